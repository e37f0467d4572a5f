import SealCore

/// The relay's own Ed25519 key (`STATEDIR/relay.seckey`, made by `sealrelayd init`). It signs
/// receipts (docs/API.md "Receipts"), and an edge signs what it forwards with it. A relay
/// without it does not start: one that silently stopped signing receipts would look like a
/// forged one. It is stored without a passphrase because the daemon starts unattended; the
/// file is the operator's to protect (mode 0600, the state directory 0700).
public enum RelayKey {
    public static let secretFile = "relay.seckey"
    public static let publicFile = "relay.pub"

    public static func load(stateDirectory: String) throws -> SigningKey {
        let path = "\(stateDirectory)/\(secretFile)"
        do {
            return try SigningKey.read(path: path, kind: .relay) {
                throw ConfigError("\(path) is passphrase-protected; the relay key must be readable unattended")
            }
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError("cannot load the relay key \(path): \(error)")
        }
    }
}
