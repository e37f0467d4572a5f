import Crypto
import Foundation

/// An Ed25519 key pair of one of the kinds SealRelay signs with: the organisation's bundle
/// key and reviewers' fetch credentials. The seed stays in guarded memory.
public struct SigningKey: Sendable {
    public enum Kind: Sendable {
        case organisation
        case fetchCredential(name: String)
        /// A relay's own key, for authenticating to an upstream relay.
        case relay

        var secretType: String {
            switch self {
            case .organisation: return "sealrelay-org-secret"
            case .fetchCredential: return "sealrelay-fetch-secret"
            case .relay: return "sealrelay-relay-secret"
            }
        }

        var publicType: String {
            switch self {
            case .organisation: return "sealrelay-org-public"
            case .fetchCredential: return "sealrelay-fetch-public"
            case .relay: return "sealrelay-relay-public"
            }
        }

        var name: String? {
            if case .fetchCredential(let name) = self { return name }
            return nil
        }
    }

    public let kind: Kind
    let seed: SecureBytes
    /// Expanded from the seed once: deriving it costs as much as a signature, and the relay
    /// signs a receipt for every report. swift-crypto keeps it in memory it wipes on release.
    private let signer: Curve25519.Signing.PrivateKey
    public let publicKey: [UInt8]

    public static func generate(_ kind: Kind) throws -> SigningKey {
        try SigningKey(kind: kind, seed: .random(count: 32))
    }

    init(kind: Kind, seed: SecureBytes) throws {
        self.kind = kind
        self.seed = seed
        self.signer = try seed.withUnsafeBytes { try Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
        self.publicKey = Array(signer.publicKey.rawRepresentation)
    }

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        Array(try signer.signature(for: message))
    }

    public var fingerprint: Fingerprint { Fingerprint(of: publicKey) }

    public func encoded(passphrase: Passphrase?) throws -> [UInt8] {
        var fields: [String: String] = [:]
        if let name = kind.name { fields["name"] = name }
        return try SecretKeyFile(type: kind.secretType, publicFields: fields, secrets: ["ed25519": seed])
            .encoded(passphrase: passphrase)
    }

    public func encodedPublic() throws -> [UInt8] {
        var object: [String: Any] = ["type": kind.publicType, "v": 1, "ed25519": Base64URL.encode(publicKey)]
        if let name = kind.name { object["name"] = name }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) + [0x0A]
    }

    /// Reads an org or fetch secret key, whichever `organisation` names.
    public static func read(path: String, organisation: Bool, passphrase: () throws -> Passphrase?) throws -> SigningKey {
        try read(path: path, kind: organisation ? .organisation : .fetchCredential(name: ""), passphrase: passphrase)
    }

    /// Reads a secret key of `kind`; a fetch credential's name comes from the file.
    public static func read(path: String, kind: Kind, passphrase: () throws -> Passphrase?) throws -> SigningKey {
        let bytes = try InputFile.readAll(path: path, limit: SecretKeyFile.maxFileSize)
        let file = try SecretKeyFile.decode(bytes, expectedType: kind.secretType, secretNames: ["ed25519": 32], passphrase: passphrase)
        guard let seed = file.secrets["ed25519"] else { throw KeyError.malformed("missing ed25519") }
        guard case .fetchCredential = kind else { return try SigningKey(kind: kind, seed: seed) }
        guard let name = file.publicFields["name"] else { throw KeyError.malformed("missing name") }
        return try SigningKey(kind: .fetchCredential(name: name), seed: seed)
    }
}
