import NIOHTTP1
import Testing
@testable import SealRelay

/// `/metrics` steps by the hour, never at a submission (SECURITY.md, "What the operator's
/// monitoring learns").
@Suite("Metrics publication")
struct MetricsPublicationTests {
    /// Every metric line but the difficulty, which answering `GET /v1/pow` sets by design.
    func arrivalLines(_ relay: TestRelay) async throws -> [Substring] {
        try await relay.metricsText().split(separator: "\n").filter { !$0.contains("sealrelay_pow_bits") }
    }

    @Test("an accepted report changes no metric until the hourly publication")
    func acceptedReportIsHeldBack() async throws {
        let relay = try await TestRelay()
        await MetricsPublisher(metrics: relay.relay.metrics, spool: relay.relay.spool).publish()
        let before = try await arrivalLines(relay)
        #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope()).status == .accepted)
        #expect(try await arrivalLines(relay) == before)
        let published = try await relay.publishedMetrics()
        #expect(published.contains("sealrelay_reports_accepted_total 1"))
        #expect(published.contains("sealrelay_spool_envelopes 1"))
        await relay.stop()
    }

    @Test("a write refused for want of proof of work changes no metric until the hourly publication")
    func refusedWriteIsHeldBack() async throws {
        let relay = try await TestRelay()
        await MetricsPublisher(metrics: relay.relay.metrics, spool: relay.relay.spool).publish()
        let before = try await arrivalLines(relay)
        #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope(), paying: false).status == .forbidden)
        #expect(try await arrivalLines(relay) == before)
        #expect(try await relay.publishedMetrics().contains("sealrelay_pow_refused_total 1"))
        await relay.stop()
    }
}
