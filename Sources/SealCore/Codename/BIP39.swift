import Foundation
import CSodium
import Crypto

/// The BIP39 bit layout: entropy followed by the first ENT/32 bits of its SHA-256, cut into
/// 11-bit word indices. Kept separate from `Codename` (which only ever uses 128 bits) so the
/// published vectors of every length can test the same code.
enum BIP39 {
    static let wordCount = 2048
    static let bitsPerWord = 11

    /// Entropy sizes BIP39 defines (128 to 256 bits in steps of 32).
    static func isValidEntropyLength(_ count: Int) -> Bool {
        count >= 16 && count <= 32 && count % 4 == 0
    }

    /// Word indices for `entropy`, or nil for a length BIP39 does not define.
    static func indices(for entropy: some ContiguousBytes) -> [Int]? {
        entropy.withUnsafeBytes { bytes -> [Int]? in
            guard isValidEntropyLength(bytes.count) else { return nil }
            let entropyBits = bytes.count * 8
            let checksumBits = entropyBits / 32
            let checksum = firstHashByte(bytes)
            var indices = [Int](repeating: 0, count: (entropyBits + checksumBits) / bitsPerWord)
            for bit in 0..<(entropyBits + checksumBits) {
                let value: UInt8
                if bit < entropyBits {
                    value = (bytes[bit / 8] >> (7 - bit % 8)) & 1
                } else {
                    value = (checksum >> (7 - (bit - entropyBits))) & 1
                }
                indices[bit / bitsPerWord] = indices[bit / bitsPerWord] << 1 | Int(value)
            }
            return indices
        }
    }

    enum DecodeFailure: Error, Equatable {
        case invalidLength
        case indexOutOfRange
        case checksumMismatch
    }

    /// The entropy the word indices encode, written straight into guarded memory so the
    /// secret never sits in an ordinary array.
    static func entropy(fromIndices indices: [Int]) -> Result<SecureBytes, DecodeFailure> {
        let totalBits = indices.count * bitsPerWord
        // ENT + ENT/32 = 11 * words, so a valid word count is a multiple of 3 from 12 to 24.
        guard indices.count % 3 == 0, isValidEntropyLength(totalBits * 32 / 33 / 8) else {
            return .failure(.invalidLength)
        }
        guard indices.allSatisfy({ $0 >= 0 && $0 < wordCount }) else {
            return .failure(.indexOutOfRange)
        }
        let checksumBits = totalBits / 33
        let entropyBits = totalBits - checksumBits
        var checksum: UInt8 = 0
        // The checksum is compared once the buffer is complete rather than by throwing out
        // of `fill`, so a mistyped word never exercises SecureBytes' failure path.
        let entropy = SecureBytes(count: entropyBits / 8) { buffer in
            for bit in 0..<totalBits {
                let value = UInt8((indices[bit / bitsPerWord] >> (bitsPerWord - 1 - bit % bitsPerWord)) & 1)
                if bit < entropyBits {
                    buffer[bit / 8] |= value << (7 - bit % 8)
                } else {
                    checksum = checksum << 1 | value
                }
            }
        }
        let expected = entropy.withUnsafeBytes { firstHashByte($0) } >> (8 - checksumBits)
        guard expected == checksum else { return .failure(.checksumMismatch) }
        return .success(entropy)
    }

    private static func firstHashByte(_ bytes: UnsafeRawBufferPointer) -> UInt8 {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return hasher.finalize().withUnsafeBytes { $0.first ?? 0 }
    }

    /// Word indices are the secret in another shape; clear them once used (best effort:
    /// Swift may have made copies, but this one at least does not linger).
    static func wipe(_ indices: inout [Int]) {
        indices.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
        }
    }
}
