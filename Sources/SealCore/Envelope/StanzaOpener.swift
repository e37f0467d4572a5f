import Crypto
import Foundation

enum StanzaOpener {
    /// Opens an HPKE stanza; any failure reads as "does not open", which is all a caller
    /// can act on and all an attacker should learn.
    static func open<Key: HPKEDiffieHellmanPrivateKey>(x25519 key: Key, stanza: Stanza, kid: KeyID) throws -> FileKey {
        guard let enc = Base64URL.decode(stanza.enc, count: 32), let ct = Base64URL.decode(stanza.ct, count: 48) else {
            throw EnvelopeError.stanzaRefused
        }
        guard X25519Check.isAcceptable(enc) else { throw EnvelopeError.stanzaRefused }
        do {
            var recipient = try HPKE.Recipient(privateKey: key, ciphersuite: EnvelopeRecipient.x25519Suite,
                                               info: EnvelopeRecipient.info(kid), encapsulatedKey: Data(enc))
            return try finish(recipient.open(ct))
        } catch {
            throw EnvelopeError.stanzaRefused
        }
    }

    static func open(xwing key: XWingMLKEM768X25519.PrivateKey, stanza: Stanza, kid: KeyID) throws -> FileKey {
        guard let enc = Base64URL.decode(stanza.enc, count: 1120), let ct = Base64URL.decode(stanza.ct, count: 48) else {
            throw EnvelopeError.stanzaRefused
        }
        do {
            var recipient = try HPKE.Recipient(privateKey: key, ciphersuite: EnvelopeRecipient.xwingSuite,
                                               info: EnvelopeRecipient.info(kid), encapsulatedKey: Data(enc))
            return try finish(recipient.open(ct))
        } catch {
            throw EnvelopeError.stanzaRefused
        }
    }

    private static func finish(_ opened: Data) throws -> FileKey {
        var plain = opened
        defer { plain.resetBytes(in: 0..<plain.count) }
        guard plain.count == EnvelopeFormat.fileKeySize else { throw EnvelopeError.stanzaRefused }
        return FileKey(bytes: plain)
    }
}
