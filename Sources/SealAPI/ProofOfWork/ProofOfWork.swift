import Crypto
import CryptoExtras

/// The work a client does for a challenge: PBKDF2-HMAC-SHA256 with the nonce as password,
/// `"sealrelay pow v1" || challenge` as salt, 1000 iterations, 32 bytes, whose leading zero
/// bits are counted. PBKDF2 because browsers compute it natively (WebCrypto): a source's
/// phone pays per attempt what an attacker's native code pays, where a hash loop in
/// JavaScript would cost the phone ~200 times more. One attempt is 2,000 SHA-256 blocks, so
/// a relay checks a solution for the price of a fraction of a millisecond.
public enum ProofOfWork {
    public static let iterations = 1000
    static let saltPrefix = Array("sealrelay pow v1".utf8)

    /// The 32-byte result of one attempt.
    public static func work(nonce: [UInt8], challenge: PoWChallenge) -> [UInt8] {
        let salt = saltPrefix + challenge.bytes
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(from: nonce, salt: salt, using: .sha256,
                                                        outputByteCount: 32, unsafeUncheckedRounds: iterations)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            // BoringSSL's PBKDF2 fails only on allocation failure or absurd parameters,
            // neither of which a fixed 32-byte output and 1000 rounds can reach.
            preconditionFailure("PBKDF2-HMAC-SHA256 failed: \(error)")
        }
    }

    /// How many leading bits of `bytes` are zero.
    public static func leadingZeroBits(_ bytes: [UInt8]) -> Int {
        var count = 0
        for byte in bytes {
            if byte == 0 { count += 8; continue }
            return count + byte.leadingZeroBitCount
        }
        return count
    }

    public static func isSolution(_ nonce: [UInt8], for challenge: PoWChallenge) -> Bool {
        nonce.count == PoWToken.nonceCount && leadingZeroBits(work(nonce: nonce, challenge: challenge)) >= challenge.bits
    }

    /// The nonce `n` as 8 big-endian bytes: solvers search disjoint ranges of this counter.
    public static func nonce(_ n: UInt64) -> [UInt8] {
        withUnsafeBytes(of: n.bigEndian) { Array($0) }
    }
}
