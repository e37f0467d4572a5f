import Crypto
import Foundation

/// A reviewer's public decryption key (`NAME.pub`): both halves, so a sender can choose
/// X-Wing where it can and X25519 where it must (the browser).
public struct ReviewerPublicKey: Sendable, Equatable {
    public let name: String
    public let kid: KeyID
    public let x25519: [UInt8]
    public let xwing: [UInt8]

    public static let type = "sealrelay-reviewer-public"
    static let xwingPublicKeySize = 1216

    /// Validates both keys and that `kid` matches them, so a key read from anywhere is usable.
    public init(name: String, kid: KeyID? = nil, x25519: [UInt8], xwing: [UInt8]) throws {
        guard x25519.count == 32 else { throw KeyError.malformed("x25519 key must be 32 bytes") }
        try X25519Check.require(x25519)
        guard xwing.count == Self.xwingPublicKeySize,
              (try? XWingMLKEM768X25519.PublicKey(rawRepresentation: xwing)) != nil
        else { throw KeyError.malformed("xwing key must be a \(Self.xwingPublicKeySize)-byte X-Wing public key") }
        let derived = KeyID(x25519: x25519, xwing: xwing)
        if let kid, kid != derived { throw KeyError.kidMismatch }
        self.name = name
        self.kid = derived
        self.x25519 = x25519
        self.xwing = xwing
    }

    /// The fingerprint a reviewer reads aloud to the organisation before being added to a bundle.
    public var fingerprint: Fingerprint { Fingerprint(of: x25519 + xwing) }

    var jsonFields: [String: String] {
        ["name": name, "kid": kid.base64URL, "x25519": Base64URL.encode(x25519), "xwing": Base64URL.encode(xwing)]
    }

    public func encoded() throws -> [UInt8] {
        var object: [String: Any] = jsonFields
        object["type"] = Self.type
        object["v"] = 1
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) + [0x0A]
    }

    public init(jsonObject object: [String: Any]) throws {
        guard let name = object["name"] as? String,
              let kidText = object["kid"] as? String, let kid = KeyID(base64URL: kidText),
              let xText = object["x25519"] as? String, let x = Base64URL.decode(xText),
              let wText = object["xwing"] as? String, let w = Base64URL.decode(wText)
        else { throw KeyError.malformed("a reviewer key needs name, kid, x25519 and xwing") }
        try self.init(name: name, kid: kid, x25519: x, xwing: w)
    }

    public static func read(path: String) throws -> ReviewerPublicKey {
        let bytes = try InputFile.readAll(path: path, limit: 64 * 1024)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw KeyError.malformed("\(path) is not a JSON object")
        }
        let type = object["type"] as? String ?? ""
        guard type == Self.type else { throw KeyError.wrongType(expected: Self.type, found: type) }
        guard let v = object["v"] as? Int, v == 1 else { throw KeyError.unsupportedVersion(object["v"] as? Int ?? 0) }
        return try ReviewerPublicKey(jsonObject: object)
    }
}
