import Foundation
import SealCore

/// The subset of HTTP Message Signatures (RFC 9421) that reviewer requests use: one
/// signature, label `sig1`, covering `@method`, `@authority`, `@path` and, for a request
/// with a body, `content-digest` (RFC 9530), with `created`, `nonce`, `keyid` and
/// `alg="ed25519"`. Client and relay share this type, so both build the signature base
/// from the same code.
public struct HTTPMessageSignature: Sendable, Equatable {
    public static let label = "sig1"
    public static let requiredComponents = ["@method", "@authority", "@path"]
    public static let digestComponent = "content-digest"
    public static let algorithm = "ed25519"

    /// What is covered: `requiredComponents`, then `content-digest` when the request has a body.
    public let components: [String]
    public let created: Int
    public let nonce: String
    /// Names the signer's Ed25519 key: a reviewer's fetch credential by its hex fingerprint,
    /// a relay by its base64url public key (`relayKeyID`).
    public let keyID: String

    public init(components: [String], created: Int, nonce: String, keyID: String) {
        self.components = components
        self.created = created
        self.nonce = nonce
        self.keyID = keyID
    }

    /// Whether the signature covers a body digest.
    public var coversDigest: Bool { components.contains(Self.digestComponent) }

    /// The inner list and parameters, as serialised in both `Signature-Input` and the
    /// `@signature-params` line of the signature base (RFC 9421 §2.3).
    public var serializedParameters: String {
        "\(Self.innerList(components));created=\(created);keyid=\"\(keyID)\";nonce=\"\(nonce)\";alg=\"\(Self.algorithm)\""
    }

    static func innerList(_ components: [String]) -> String {
        "(" + components.map { "\"\($0)\"" }.joined(separator: " ") + ")"
    }

    /// The signature base (RFC 9421 §2.5): one line per covered component, then the
    /// parameters; no trailing newline. Nil when the request lacks a covered component.
    public func signatureBase(_ request: SignedRequest) -> [UInt8]? {
        var lines: [String] = []
        for component in components {
            guard let value = request.value(of: component) else { return nil }
            lines.append("\"\(component)\": \(value)")
        }
        lines.append("\"@signature-params\": \(serializedParameters)")
        return Array(lines.joined(separator: "\n").utf8)
    }

    // MARK: client side

    /// The `keyid` a relay signs forwarded envelopes with: its Ed25519 public key, base64url.
    public static func relayKeyID(_ key: SigningKey) -> String { Base64URL.encode(key.publicKey) }

    /// Signs a request; returns the `Signature-Input` and `Signature` header values.
    /// - Parameter keyID: how the key is named; by default its hex fingerprint (reviewers).
    public static func sign(_ request: SignedRequest, with key: SigningKey, keyID: String? = nil,
                            now: Date = Date()) throws -> (signatureInput: String, signature: String) {
        let params = HTTPMessageSignature(components: request.components, created: Int(now.timeIntervalSince1970),
                                          nonce: Base64URL.encode(Sodium.randomBytes(16)), keyID: keyID ?? key.fingerprint.hex)
        // Every component of `request.components` has a value, so the base exists.
        let sig = try key.signature(for: params.signatureBase(request) ?? [])
        return ("\(label)=\(params.serializedParameters)", "\(label)=:\(Data(sig).base64EncodedString()):")
    }

    // MARK: relay side

    public enum ParseError: Error, Equatable, CustomStringConvertible, Sendable {
        case missing
        case malformed

        public var description: String {
            switch self {
            case .missing: return "the request is not signed"
            case .malformed: return "the request signature is malformed"
            }
        }
    }

    /// Parses the two headers, accepting exactly the shapes `sign` produces (any parameter
    /// order): anything else is refused rather than interpreted.
    public static func parse(signatureInput: String?, signature: String?) throws -> (HTTPMessageSignature, [UInt8]) {
        guard let signatureInput, let signature else { throw ParseError.missing }
        let prefix = "\(label)="
        guard signatureInput.hasPrefix(prefix), signature.hasPrefix(prefix + ":"), signature.hasSuffix(":"),
              signature.utf8.count > prefix.utf8.count + 2
        else { throw ParseError.malformed }
        let sigText = signature.dropFirst(prefix.count + 1).dropLast()
        guard let sigBytes = Data(base64Encoded: String(sigText)), sigBytes.count == 64 else { throw ParseError.malformed }
        let rest = signatureInput.dropFirst(prefix.count)
        // The longer list first: the shorter one is its prefix up to the closing parenthesis.
        let shapes = [requiredComponents + [digestComponent], requiredComponents]
        guard let components = shapes.first(where: { rest.hasPrefix(innerList($0)) }) else { throw ParseError.malformed }
        let parameters = rest.dropFirst(innerList(components).count)
        guard parameters.hasPrefix(";") else { throw ParseError.malformed }
        var created: Int?
        var nonce: String?
        var keyID: String?
        var alg: String?
        for param in parameters.split(separator: ";", omittingEmptySubsequences: false).dropFirst() {
            let pair = param.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw ParseError.malformed }
            let name = String(pair[0])
            let raw = String(pair[1])
            func quoted() throws -> String {
                guard raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") else { throw ParseError.malformed }
                let inner = String(raw.dropFirst().dropLast())
                guard !inner.contains("\""), !inner.contains("\\") else { throw ParseError.malformed }
                return inner
            }
            switch name {
            case "created" where created == nil:
                guard let n = Int(raw), n > 0 else { throw ParseError.malformed }
                created = n
            case "nonce" where nonce == nil: nonce = try quoted()
            case "keyid" where keyID == nil: keyID = try quoted()
            case "alg" where alg == nil: alg = try quoted()
            default: throw ParseError.malformed
            }
        }
        guard let created, let nonce, let keyID, alg == algorithm, !nonce.isEmpty, nonce.utf8.count <= 64,
              !keyID.isEmpty, keyID.utf8.count <= 128
        else { throw ParseError.malformed }
        return (HTTPMessageSignature(components: components, created: created, nonce: nonce, keyID: keyID), Array(sigBytes))
    }
}
