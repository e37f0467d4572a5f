import Crypto
import SealCore

/// An envelope's name on the relay: the first 16 bytes of SHA-256 of its bytes. The sender
/// can compute it before uploading, so the receipt proves the relay stored exactly what was
/// sent; and it is the only form in which an id from a URL ever touches the file system.
public struct EnvelopeID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(digest: SHA256.Digest) { self.bytes = Array(digest.prefix(16)) }

    /// Parses the 22-character base64url form; anything else (slashes, dots, padding) is nil.
    public init?(_ text: String) {
        guard text.utf8.count == 22, let bytes = Base64URL.decode(text, count: 16) else { return nil }
        self.bytes = bytes
    }

    public var description: String { Base64URL.encode(bytes) }
    var fileName: String { "\(description).seal" }
    var acksName: String { "\(description).acks" }
}
