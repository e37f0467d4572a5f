import ServiceLifecycle

/// Publishes the arrival counts and the spool's size once an hour, and once more on the way
/// down, so that `/metrics` steps by the hour, never at a submission (SECURITY.md, "What
/// the operator's monitoring learns").
struct MetricsPublisher: Service {
    let metrics: RelayMetrics
    let spool: any EnvelopeStore
    var interval: Duration = .seconds(3600)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await publish()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func publish() async {
        // A database that is away skips this hour's figures rather than publishing zeros.
        guard let usage = try? await spool.usage() else { return }
        metrics.publish(spoolCount: usage.count, spoolBytes: usage.bytes)
    }
}
