import SealCore

/// A reviewer the relay will serve: their fetch credential (which authenticates requests)
/// and the decryption kids the bundle lists under the same name (which select envelopes).
public struct ReviewerCredential: Sendable {
    public let name: String
    public let key: VerifyingKey
    public let kids: Set<KeyID>

    /// Matches each credential to the bundle's reviewers by name, refusing a credential
    /// that names no reviewer (it would see an empty inbox forever, silently).
    public static func load(paths: [String], bundle: RecipientBundle) throws -> [String: ReviewerCredential] {
        var byKeyID: [String: ReviewerCredential] = [:]
        for path in paths {
            let key = try VerifyingKey.read(path: path, organisation: false)
            guard let name = key.name else { throw ConfigError("\(path) has no name") }
            let kids = bundle.kids(ofReviewer: name)
            guard !kids.isEmpty else {
                throw ConfigError("credential \(path) is for \"\(name)\", who is not a reviewer in the bundle")
            }
            byKeyID[key.fingerprint.hex] = ReviewerCredential(name: name, key: key, kids: kids)
        }
        return byKeyID
    }
}
