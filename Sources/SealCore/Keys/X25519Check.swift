import CSodium
import Foundation

/// swift-crypto (like CryptoKit) accepts low-order X25519 points, which give an all-zero
/// shared secret; RFC 9180 §7.1.4 requires refusing them. libsodium's scalar multiplication
/// reports exactly that case, so it is the check.
enum X25519Check {
    static func isAcceptable(_ publicKey: [UInt8]) -> Bool {
        guard publicKey.count == 32 else { return false }
        Sodium.ready()
        var scalar = Sodium.randomBytes(32)
        defer { Sodium.wipe(&scalar) }
        var out = [UInt8](repeating: 0, count: 32)
        defer { Sodium.wipe(&out) }
        return crypto_scalarmult(&out, scalar, publicKey) == 0
    }

    static func require(_ publicKey: [UInt8]) throws {
        guard isAcceptable(publicKey) else { throw KeyError.lowOrderPoint }
    }
}
