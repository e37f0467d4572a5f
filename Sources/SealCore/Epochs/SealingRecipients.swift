import Foundation

/// The sender's rule for whom to seal to (docs/FORMAT.md, "Bundle v2"): per reviewer, the
/// epoch key of the current UTC month; else the newest earlier one, with a notice; else the
/// identity. Every choice is a full reviewer key (both halves), so the envelope's suite is
/// decided once for all stanzas and never mixes.
public struct SealingRecipients: Sendable {
    public let keys: [ReviewerPublicKey]
    /// One line per reviewer whose current month has no epoch key, for the sender's stderr.
    public let notices: [String]

    public init(bundle: RecipientBundle, month: EpochMonth) {
        var keys: [ReviewerPublicKey] = []
        var notices: [String] = []
        for reviewer in bundle.reviewers {
            let epochs = bundle.epochs(ofReviewer: reviewer.name)
            let name = UntrustedText.line(reviewer.name, limit: 80)
            if let current = epochs.first(where: { $0.epoch == month }) {
                keys.append(current.key)
            } else if let earlier = epochs.last(where: { $0.epoch < month }) {
                keys.append(earlier.key)
                notices.append("the bundle has no epoch key of \(name) for \(month); sealing to the newest earlier one, \(earlier.epoch) (ask the organisation for a current bundle)")
            } else {
                keys.append(reviewer)
                if !epochs.isEmpty {
                    notices.append("the bundle's epoch keys of \(name) all start after \(month); sealing to the identity key")
                }
            }
        }
        self.keys = keys
        self.notices = notices
    }
}
