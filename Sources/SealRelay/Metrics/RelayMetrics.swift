import NIOConcurrencyHelpers
import Prometheus
import SealAPI

/// Counts only (SECURITY.md): no label here can tell one source or request from another;
/// the only label is a rejection reason from a fixed list.
///
/// What follows anonymous arrivals (accepted and refused writes, the spool's size) is held
/// back and published once an hour by `MetricsPublisher`: a Prometheus that scrapes every
/// fifteen seconds would otherwise date each submission to within fifteen seconds, and a
/// seized monitoring server would hold that timeline (docs/ARCHITECTURE.md, invariants).
public struct RelayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let accepted: Counter
    let rejectedMalformed: Counter
    let rejectedTooLarge: Counter
    let rejectedFull: Counter
    let downloads: Counter
    let acknowledgements: Counter
    let authFailures: Counter
    let expired: Counter
    let queued: Gauge
    let queuedBytes: Gauge
    let powRefused: Counter
    let powBits: Gauge
    private let held = NIOLockedValueBox(HeldCounts())

    /// Arrival counts since the last publication.
    struct HeldCounts {
        var accepted: Int64 = 0
        var malformed: Int64 = 0
        var tooLarge: Int64 = 0
        var full: Int64 = 0
        var powRefused: Int64 = 0
    }

    public init() {
        let registry = self.registry
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "sealrelay", metricName: metric, unitName: unit, helpText: help)
        }
        accepted = registry.makeCounter(descriptor: name("reports_accepted", "total", "Envelopes accepted (202)."))
        func rejected(_ reason: String) -> Counter {
            registry.makeCounter(descriptor: name("reports_rejected", "total", "Uploads refused, by reason."),
                                 labels: [("reason", reason)])
        }
        rejectedMalformed = rejected("malformed")
        rejectedTooLarge = rejected("too_large")
        rejectedFull = rejected("spool_full")
        downloads = registry.makeCounter(descriptor: name("inbox_downloads", "total", "Envelopes sent to reviewers."))
        acknowledgements = registry.makeCounter(
            descriptor: name("acknowledgements", "total", "Envelopes acknowledged by reviewers."))
        authFailures = registry.makeCounter(
            descriptor: name("reviewer_auth_failures", "total", "Reviewer requests refused."))
        expired = registry.makeCounter(descriptor: name("envelopes_expired", "total", "Envelopes deleted unread at expiry."))
        queued = registry.makeGauge(descriptor: name("spool", "envelopes", "Envelopes in the spool."))
        queuedBytes = registry.makeGauge(descriptor: name("spool", "bytes", "Bytes in the spool."))
        powRefused = registry.makeCounter(
            descriptor: name("pow_refused", "total", "Anonymous writes refused for missing or wrong proof of work."))
        powBits = registry.makeGauge(descriptor: name("pow", "bits", "Proof-of-work difficulty asked for now."))
    }

    /// Counts a refused upload under its reason; codes that are not upload refusals
    /// (authentication, not found, conflicts) are not counted here.
    func countRefusal(_ code: RelayErrorCode) {
        switch code {
        case .malformed, .incomplete, .digestMismatch: held.withLockedValue { $0.malformed += 1 }
        case .tooLarge: held.withLockedValue { $0.tooLarge += 1 }
        case .spoolFull, .storageFailed, .tooManyUploads: held.withLockedValue { $0.full += 1 }
        default: break
        }
    }

    func countAccepted() { held.withLockedValue { $0.accepted += 1 } }
    func countDownload() { downloads.increment() }
    func countAcknowledgement() { acknowledgements.increment() }
    func countAuthFailure() { authFailures.increment() }
    func countExpired(_ n: Int) { expired.increment(by: Int64(n)) }
    func countProofOfWorkRefused() { held.withLockedValue { $0.powRefused += 1 } }
    func setProofOfWorkBits(_ bits: Int) { powBits.set(Double(bits)) }

    /// Makes the held arrival counts and the spool's size visible at once.
    func publish(spoolCount: Int, spoolBytes: Int) {
        let counts = held.withLockedValue { counts in
            defer { counts = HeldCounts() }
            return counts
        }
        accepted.increment(by: counts.accepted)
        rejectedMalformed.increment(by: counts.malformed)
        rejectedTooLarge.increment(by: counts.tooLarge)
        rejectedFull.increment(by: counts.full)
        powRefused.increment(by: counts.powRefused)
        queued.set(Double(spoolCount))
        queuedBytes.set(Double(spoolBytes))
    }

    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
