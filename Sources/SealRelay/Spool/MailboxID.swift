import Crypto
import SealCore

/// Where a source's replies wait: the first 16 bytes of SHA-256 of the mailbox secret the
/// source derives from their codename (docs/FORMAT.md §5). The relay stores only this hash, so
/// holding its disk does not let anyone read a mailbox; presenting the secret does.
public struct MailboxID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        guard text.utf8.count == 22, let bytes = Base64URL.decode(text, count: 16) else { return nil }
        self.bytes = bytes
    }

    /// The mailbox a presented secret opens; nil unless it is exactly 32 bytes.
    public init?(secret text: String) {
        guard text.utf8.count == 43, let secret = Base64URL.decode(text, count: 32) else { return nil }
        self.bytes = Array(SHA256.hash(data: secret).prefix(16))
    }

    public var description: String { Base64URL.encode(bytes) }
}
