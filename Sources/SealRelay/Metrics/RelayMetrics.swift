import Prometheus

/// Counts only (SECURITY.md): no label here can tell one source or request from another;
/// the only label is a rejection reason from a fixed list.
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

    public init() {
        let registry = self.registry
        accepted = registry.makeCounter(name: "sealrelay_reports_accepted_total", help: "Envelopes accepted (202).")
        func rejected(_ reason: String) -> Counter {
            registry.makeCounter(name: "sealrelay_reports_rejected_total", labels: [("reason", reason)],
                                 help: "Uploads refused, by reason.")
        }
        rejectedMalformed = rejected("malformed")
        rejectedTooLarge = rejected("too_large")
        rejectedFull = rejected("spool_full")
        downloads = registry.makeCounter(name: "sealrelay_inbox_downloads_total", help: "Envelopes sent to reviewers.")
        acknowledgements = registry.makeCounter(name: "sealrelay_acknowledgements_total", help: "Envelopes acknowledged by reviewers.")
        authFailures = registry.makeCounter(name: "sealrelay_reviewer_auth_failures_total", help: "Reviewer requests refused.")
        expired = registry.makeCounter(name: "sealrelay_envelopes_expired_total", help: "Envelopes deleted unread at expiry.")
        queued = registry.makeGauge(name: "sealrelay_spool_envelopes", help: "Envelopes in the spool.")
        queuedBytes = registry.makeGauge(name: "sealrelay_spool_bytes", help: "Bytes in the spool.")
    }

    func updateSpool(count: Int, bytes: Int) {
        queued.set(Double(count))
        queuedBytes.set(Double(bytes))
    }

    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
