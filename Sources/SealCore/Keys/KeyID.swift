import Crypto
import Foundation

/// The 16-byte name of a decryption key, carried in every stanza so a reviewer finds their
/// stanza without trying each one (docs/FORMAT.md §1-2).
public struct KeyID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public init?(base64URL: String) {
        guard let bytes = Base64URL.decode(base64URL, count: 16) else { return nil }
        self.bytes = bytes
    }

    /// A reviewer's kid covers both halves, so neither can be swapped without changing it.
    public init(x25519: [UInt8], xwing: [UInt8]) {
        var h = SHA256()
        h.update(data: x25519)
        h.update(data: xwing)
        self.bytes = Array(h.finalize().prefix(16))
    }

    /// A source's reply key has only an X25519 half.
    public init(x25519: [UInt8]) {
        self.bytes = Array(SHA256.hash(data: x25519).prefix(16))
    }

    public var base64URL: String { Base64URL.encode(bytes) }
    public var description: String { base64URL }
}
