import Crypto
import Foundation

/// Something that can open its own stanza of an envelope: a reviewer identity, or a
/// source's reply key derived from the codename.
public protocol EnvelopeDecryptionKey: Sendable {
    var kids: [KeyID] { get }
    func unwrap(_ stanza: Stanza, suite: EnvelopeSuite, kid: KeyID) throws -> FileKey
}

extension ReviewerIdentity: EnvelopeDecryptionKey {
    public var kids: [KeyID] { [kid] }

    public func unwrap(_ stanza: Stanza, suite: EnvelopeSuite, kid: KeyID) throws -> FileKey {
        switch suite {
        case .x25519: return try StanzaOpener.open(x25519: x25519PrivateKey(), stanza: stanza, kid: kid)
        case .xwing: return try StanzaOpener.open(xwing: xwingPrivateKey(), stanza: stanza, kid: kid)
        }
    }
}
