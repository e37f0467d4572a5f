import Crypto

/// The relay's 22-character names: 16 bytes written as unpadded base64url. Envelopes,
/// mailboxes and chunked uploads are all named this way, so the parsing lives here once;
/// `Kind` is a phantom type, so a mailbox id cannot be passed where an envelope id is
/// expected. It lives in SealCore, not SealAPI, because SealCore itself names envelopes
/// (`EnvelopeID.of(file:)`) and derives a codename's mailbox (docs/FORMAT.md §5).
///
/// Only the canonical form parses (exactly 22 characters that re-encode to themselves), so
/// an id that came over the network is always safe as a route segment and a file name.
public struct Identifier<Kind>: Hashable, Sendable, CustomStringConvertible, Codable {
    public static var byteCount: Int { 16 }
    public static var textLength: Int { 22 }

    public let bytes: [UInt8]

    public init?(_ text: String) {
        guard text.utf8.count == Self.textLength, let bytes = Base64URL.decode(text, count: Self.byteCount),
              Base64URL.encode(bytes) == text
        else { return nil }
        self.bytes = bytes
    }

    /// The first 16 bytes of a SHA-256 digest (the first 16 of any longer input).
    public init(digest: SHA256.Digest) { self.bytes = Array(digest.prefix(Self.byteCount)) }

    /// 128 fresh random bits, for names that must not be guessed.
    public static func random() -> Identifier {
        Identifier(uncheckedBytes: SecureBytes.random(count: byteCount).withUnsafeBytes { Array($0) })
    }

    private init(uncheckedBytes: [UInt8]) { self.bytes = uncheckedBytes }

    public var description: String { Base64URL.encode(bytes) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = Identifier(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not a 22-character base64url id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The phantom kinds of `Identifier`.
public enum IdentifierKind {
    /// An envelope, named by the hash of its bytes.
    public enum Envelope {}
    /// A source's mailbox, named by the hash of its secret.
    public enum Mailbox {}
    /// A chunked upload in progress on the relay, named at random.
    public enum Upload {}
}

/// Where a source's replies wait (docs/FORMAT.md §5).
public typealias MailboxID = Identifier<IdentifierKind.Mailbox>

extension Identifier where Kind == IdentifierKind.Mailbox {
    /// The one derivation of a mailbox id: the first 16 bytes of SHA-256 of the 32-byte
    /// mailbox secret. The relay stores only this hash, so holding its disk does not let
    /// anyone read a mailbox; presenting the secret does.
    public init(secret: UnsafeRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bufferPointer: secret)
        self.init(digest: hasher.finalize())
    }

    /// The mailbox a secret presented as text (the `Mailbox-Secret` header: base64url of
    /// exactly 32 bytes) opens; nil for anything else.
    public init?(presentedSecret text: String) {
        guard text.utf8.count == 43, let secret = Base64URL.decode(text, count: 32),
              Base64URL.encode(secret) == text
        else { return nil }
        self = secret.withUnsafeBytes { MailboxID(secret: $0) }
    }
}
