import Crypto
import Foundation

/// A public Ed25519 key file (`org.pub`, `NAME.fetch.pub`, `relay.pub`).
public struct VerifyingKey: Sendable, Equatable {
    public let publicKey: [UInt8]
    public let name: String?

    public var fingerprint: Fingerprint { Fingerprint(of: publicKey) }

    public init(publicKey: [UInt8], name: String? = nil) throws {
        guard publicKey.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)) != nil else {
            throw KeyError.malformed("ed25519 key must be 32 bytes")
        }
        self.publicKey = publicKey
        self.name = name
    }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    public static func read(path: String, organisation: Bool) throws -> VerifyingKey {
        try read(path: path, kind: organisation ? .organisation : .fetchCredential(name: ""))
    }

    /// Reads the public key file of `kind` (the name, for a fetch credential, comes from the file).
    public static func read(path: String, kind: SigningKey.Kind) throws -> VerifyingKey {
        let bytes = try InputFile.readAll(path: path, limit: 64 * 1024)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw KeyError.malformed("\(path) is not a JSON object")
        }
        let expected = kind.publicType
        let type = object["type"] as? String ?? ""
        guard type == expected else { throw KeyError.wrongType(expected: expected, found: type) }
        guard let v = object["v"] as? Int, v == 1 else { throw KeyError.unsupportedVersion(object["v"] as? Int ?? 0) }
        guard let text = object["ed25519"] as? String, let key = Base64URL.decode(text, count: 32) else {
            throw KeyError.malformed("ed25519 must be base64url of 32 bytes")
        }
        return try VerifyingKey(publicKey: key, name: object["name"] as? String)
    }
}
