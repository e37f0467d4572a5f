import SealCore

/// The relay's own Ed25519 key, which `sealrelayd init` writes as STATEDIR/relay.seckey
/// (docs/ARCHITECTURE.md "Keys"). It signs receipts (docs/API.md "Receipts") and
/// authenticates this relay to an upstream one. A relay without it does not start: a
/// relay that silently stopped signing receipts would look like a forged one.
public enum RelayKey {
    public static let secretFileName = "relay.seckey"
    public static let publicFileName = "relay.pub"

    public static func load(stateDirectory: String) throws -> SigningKey {
        let path = "\(stateDirectory)/\(secretFileName)"
        do {
            return try SigningKey.read(path: path, kind: .relay, passphrase: { nil })
        } catch {
            throw ConfigError("cannot load the relay key \(path) (written by sealrelayd init): \(error)")
        }
    }
}
