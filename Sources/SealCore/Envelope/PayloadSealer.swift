import Crypto
import Foundation

/// The STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár): AES-256-GCM with the
/// nonce = 11-byte big-endian chunk index || last-chunk flag, so chunks cannot be
/// reordered, dropped or cut short without detection.
struct PayloadSealer {
    let key: SymmetricKey

    static func nonce(_ index: Int, last: Bool) -> AES.GCM.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { bytes[10 - i] = UInt8(UInt64(index) >> (8 * UInt64(i)) & 0xFF) }
        bytes[11] = last ? 1 : 0
        // A 12-byte nonce is always accepted.
        return try! AES.GCM.Nonce(data: bytes)
    }

    func seal(_ chunk: some DataProtocol, index: Int, last: Bool) throws -> (ciphertext: Data, tag: Data) {
        let box = try AES.GCM.seal(chunk, using: key, nonce: Self.nonce(index, last: last))
        return (box.ciphertext, box.tag)
    }

    /// Opens chunk `index`; a caller may retry with the other flag to tell "truncated"
    /// from "tampered".
    func open(_ chunk: ArraySlice<UInt8>, index: Int, last: Bool) -> Data? {
        guard chunk.count >= EnvelopeFormat.tagSize else { return nil }
        let split = chunk.endIndex - EnvelopeFormat.tagSize
        guard let box = try? AES.GCM.SealedBox(nonce: Self.nonce(index, last: last),
                                               ciphertext: chunk[chunk.startIndex..<split], tag: chunk[split...])
        else { return nil }
        return try? AES.GCM.open(box, using: key)
    }
}
