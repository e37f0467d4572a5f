import SealCore
import Synchronization

/// The bundle a relay serves at `/v1/bundle` and checks report kids against. A home's stays
/// what it started with (its reviewers' credentials were matched to it then); an edge's
/// follows its upstream (`BundleRefresh`), so a reviewer the organisation adds is reachable
/// through every edge at its next forwarding round, without a restart.
final class CurrentBundle: Sendable {
    private let current: Mutex<RecipientBundle>

    init(_ bundle: RecipientBundle) {
        current = Mutex(bundle)
    }

    var bundle: RecipientBundle { current.withLock { $0 } }

    /// What a report's kids are checked against now.
    var delivery: Delivery { .report(reviewers: bundle.recipientKids) }

    /// Takes `newer` when the same organisation signed it with a higher counter; a relay
    /// never goes back to an older bundle.
    @discardableResult
    func take(_ newer: RecipientBundle) -> Bool {
        current.withLock { bundle in
            guard newer.organisation.fingerprint == bundle.organisation.fingerprint, newer.counter > bundle.counter else {
                return false
            }
            bundle = newer
            return true
        }
    }
}
