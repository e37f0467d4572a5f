import Crypto
import Foundation

/// What opens the replies a reviewer sends to a source (docs/FORMAT.md §5): the reply X25519 key
/// derived from the codename. It opens only X25519 stanzas addressed to its own kid;
/// anything else (an X-Wing stanza, a reviewer's envelope) reads as "not addressed to you".
public struct ReplyIdentity: EnvelopeDecryptionKey {
    private let privateKey: Curve25519.KeyAgreement.PrivateKey
    /// The reply public key, as reports carry it in `reply.key`.
    public let publicKey: [UInt8]
    /// `KeyID(x25519:)` of the public key: the only kid a reply's single stanza may name.
    public let kid: KeyID

    public init(secrets: CodenameSecrets) {
        privateKey = secrets.replyKey
        publicKey = Array(secrets.replyKey.publicKey.rawRepresentation)
        kid = KeyID(x25519: publicKey)
    }

    public var kids: [KeyID] { [kid] }

    public func unwrap(_ stanza: Stanza, suite: EnvelopeSuite, kid: KeyID) throws -> FileKey {
        guard suite == .x25519, kid == self.kid else { throw EnvelopeError.stanzaRefused }
        return try StanzaOpener.open(x25519: privateKey, stanza: stanza, kid: kid)
    }
}

extension ReplyIdentity: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "ReplyIdentity(\(kid))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension CodenameSecrets {
    /// The key that opens this source's replies.
    public var replyIdentity: ReplyIdentity { ReplyIdentity(secrets: self) }

    /// The reply public key (32 bytes), as a report's `reply.key` carries it (base64url).
    public var replyPublicKey: [UInt8] { Array(replyKey.publicKey.rawRepresentation) }

    /// What a report's manifest carries so reviewers can answer: the reply public key and
    /// the mailbox id.
    public var replyAddress: Manifest.Reply {
        Manifest.Reply(key: Base64URL.encode(replyPublicKey), mailbox: mailboxID)
    }

    /// The mailbox secret as the source presents it to the relay (`Mailbox-Secret` header):
    /// base64url without padding of the 32 bytes.
    public var mailboxSecretBase64URL: String {
        mailboxSecret.withUnsafeBytes { Base64URL.encode($0) }
    }
}
