import SealCore

/// An edge relay allowed to forward envelopes here (`edge = PATH` in the config): its key
/// signs each forwarded request (docs/API.md "Relay routes").
public struct AllowedEdge: Sendable, RequestSigner {
    public let key: VerifyingKey

    /// By the `keyid` an edge signs with (the base64url public key), refusing a file that is
    /// not a relay public key and a key listed twice.
    public static func load(paths: [String]) throws -> [String: AllowedEdge] {
        var byKeyID: [String: AllowedEdge] = [:]
        for path in paths {
            let key: VerifyingKey
            do {
                key = try VerifyingKey.read(path: path, kind: .relay)
            } catch {
                throw ConfigError("edge \(path): \(error)")
            }
            guard byKeyID[key.signatureKeyID] == nil else { throw ConfigError("edge \(path) is listed twice") }
            byKeyID[key.signatureKeyID] = AllowedEdge(key: key)
        }
        return byKeyID
    }

    func admit(into context: inout RelayRequestContext) {
        context.edge = self
    }
}

extension VerifyingKey {
    /// The `keyid` of a relay's RFC 9421 signature: its public key, base64url.
    var signatureKeyID: String { Base64URL.encode(publicKey) }
}
