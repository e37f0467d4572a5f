import Crypto
import Foundation

/// A reviewer's decryption identity (`NAME.seckey`): the X25519 private key and the X-Wing
/// seed, in guarded memory. It lives on the air-gapped machine only.
public struct ReviewerIdentity: Sendable {
    public let name: String
    let x25519Secret: SecureBytes
    let xwingSeed: SecureBytes
    public let publicKey: ReviewerPublicKey

    public static let type = "sealrelay-reviewer-secret"
    static let secretNames = ["x25519": 32, "xwing": 32]

    public static func generate(name: String) throws -> ReviewerIdentity {
        try ReviewerIdentity(name: name, x25519Secret: .random(count: 32), xwingSeed: .random(count: 32))
    }

    init(name: String, x25519Secret: SecureBytes, xwingSeed: SecureBytes, kid: KeyID? = nil) throws {
        self.name = name
        self.x25519Secret = x25519Secret
        self.xwingSeed = xwingSeed
        let x = try x25519Secret.withUnsafeBytes { try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: $0) }
        let w = try xwingSeed.withUnsafeBytes { try XWingMLKEM768X25519.PrivateKey(seedRepresentation: $0, publicKey: nil) }
        self.publicKey = try ReviewerPublicKey(name: name, kid: kid, x25519: Array(x.publicKey.rawRepresentation),
                                               xwing: Array(w.publicKey.rawRepresentation))
    }

    public var kid: KeyID { publicKey.kid }

    func x25519PrivateKey() throws -> Curve25519.KeyAgreement.PrivateKey {
        try x25519Secret.withUnsafeBytes { try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: $0) }
    }

    func xwingPrivateKey() throws -> XWingMLKEM768X25519.PrivateKey {
        try xwingSeed.withUnsafeBytes { try XWingMLKEM768X25519.PrivateKey(seedRepresentation: $0, publicKey: nil) }
    }

    public func encoded(passphrase: Passphrase?) throws -> [UInt8] {
        try SecretKeyFile(type: Self.type, publicFields: ["name": name, "kid": kid.base64URL],
                          secrets: ["x25519": x25519Secret, "xwing": xwingSeed]).encoded(passphrase: passphrase)
    }

    public static func read(path: String, passphrase: () throws -> Passphrase?) throws -> ReviewerIdentity {
        let bytes = try InputFile.readAll(path: path, limit: SecretKeyFile.maxFileSize)
        let file = try SecretKeyFile.decode(bytes, expectedType: type, secretNames: secretNames, passphrase: passphrase)
        guard let name = file.publicFields["name"], let kidText = file.publicFields["kid"],
              let kid = KeyID(base64URL: kidText), let x = file.secrets["x25519"], let w = file.secrets["xwing"]
        else { throw KeyError.malformed("a reviewer secret key needs name, kid, x25519 and xwing") }
        return try ReviewerIdentity(name: name, x25519Secret: x, xwingSeed: w, kid: kid)
    }
}
