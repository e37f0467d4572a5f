/// What a relay is in an organisation's relay network (docs/ARCHITECTURE.md "Relay network"):
/// the home relay reviewers pull from, or an edge that accepts envelopes exactly as the home
/// does and forwards only their ciphertext upstream, in batches.
public enum RelayRole: String, Sendable, CaseIterable {
    case home
    case edge
}
