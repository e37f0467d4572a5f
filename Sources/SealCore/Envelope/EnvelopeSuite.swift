

/// The two HPKE suites an envelope may use; one envelope never mixes them.
public enum EnvelopeSuite: String, Sendable, CaseIterable {
    case x25519 = "x25519-hkdf-sha256-aes256gcm"
    case xwing = "xwing-hkdf-sha256-aes256gcm"

    var encapsulatedKeySize: Int {
        switch self {
        case .x25519: return 32
        case .xwing: return 1120
        }
    }
}
