import Crypto
import Foundation

/// Whom an envelope is sealed to: a reviewer (both halves) or a source's reply key
/// (X25519 only, docs/FORMAT.md §5).
public struct EnvelopeRecipient: Sendable {
    public let kid: KeyID
    let x25519: [UInt8]
    let xwing: [UInt8]?

    public init(reviewer: ReviewerPublicKey) {
        self.kid = reviewer.kid
        self.x25519 = reviewer.x25519
        self.xwing = reviewer.xwing
    }

    public init(replyKey: [UInt8]) throws {
        try X25519Check.require(replyKey)
        self.kid = KeyID(x25519: replyKey)
        self.x25519 = replyKey
        self.xwing = nil
    }

    static func info(_ kid: KeyID) -> Data { Data(EnvelopeFormat.hpkeInfoPrefix + kid.bytes) }

    static let x25519Suite = HPKE.Ciphersuite(kem: .Curve25519_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .AES_GCM_256)
    static let xwingSuite = HPKE.Ciphersuite.XWingMLKEM768X25519_SHA256_AES_GCM_256

    /// HPKE-seals the file key to this recipient.
    func wrap(_ fileKey: FileKey, suite: EnvelopeSuite) throws -> Stanza {
        let (enc, ct): (Data, Data) = try fileKey.key.withUnsafeBytes { keyBytes in
            switch suite {
            case .x25519:
                // Refused at import too; checked again here because RFC 9180 §7.1.4 asks for
                // it before every use and a reply key arrives inside a report.
                try X25519Check.require(x25519)
                let pk = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: x25519)
                var sender = try HPKE.Sender(recipientKey: pk, ciphersuite: Self.x25519Suite, info: Self.info(kid))
                return (sender.encapsulatedKey, try sender.seal(keyBytes))
            case .xwing:
                guard let xwing else {
                    throw EnvelopeError.malformedHeader("recipient \(kid) has no X-Wing key")
                }
                let pk = try XWingMLKEM768X25519.PublicKey(rawRepresentation: xwing)
                var sender = try HPKE.Sender(recipientKey: pk, ciphersuite: Self.xwingSuite, info: Self.info(kid))
                return (sender.encapsulatedKey, try sender.seal(keyBytes))
            }
        }
        return Stanza(kid: kid.base64URL, suite: suite.rawValue, enc: Base64URL.encode(enc), ct: Base64URL.encode(ct))
    }
}
