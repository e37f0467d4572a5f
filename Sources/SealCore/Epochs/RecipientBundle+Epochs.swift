import Foundation

/// Epoch keys in a v2 bundle (docs/FORMAT.md, "Bundle v2"): what the relay accepts and
/// routes, and what a sender chooses from.
extension RecipientBundle {
    /// Every kid a report may be sealed to: identities and epochs.
    public var recipientKids: Set<KeyID> {
        Set(reviewers.map(\.kid)).union(epochs.map(\.kid))
    }

    /// The kids that reach the reviewer called `name`: their identity and their epochs.
    public func kids(ofReviewer name: String) -> Set<KeyID> {
        Set(reviewers.filter { $0.name == name }.map(\.kid)).union(epochs(ofReviewer: name).map(\.kid))
    }

    /// A reviewer's epochs, in month order.
    public func epochs(ofReviewer name: String) -> [EpochPublicKey] {
        epochs.filter { $0.reviewer == name }
    }

    /// The one rule for epochs in a bundle, applied when signing and when verifying: each
    /// list belongs to a listed reviewer, at most one list per reviewer, one key per month,
    /// and no kid twice in the whole bundle (a kid names exactly one key).
    static func checkEpochs(_ epochs: [EpochPublicKey], reviewers: [ReviewerPublicKey]) throws {
        let names = Set(reviewers.map(\.name))
        var kids = Set(reviewers.map(\.kid))
        var months: [String: Set<EpochMonth>] = [:]
        for e in epochs {
            guard names.contains(e.reviewer) else {
                throw BundleError.malformed("epoch keys of \"\(UntrustedText.line(e.reviewer, limit: 80))\", who is not a reviewer in this bundle")
            }
            guard months[e.reviewer, default: []].insert(e.epoch).inserted else {
                throw BundleError.malformed("reviewer \(UntrustedText.line(e.reviewer, limit: 80)) has two keys for epoch \(e.epoch)")
            }
            guard kids.insert(e.kid).inserted else {
                throw BundleError.malformed("key \(e.kid.base64URL) is listed twice")
            }
        }
    }
}
