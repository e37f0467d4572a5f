import Foundation
import Logging
import NIOPosix
import SealCore
import ServiceLifecycle

/// An edge relay's forwarder (docs/ARCHITECTURE.md "Relay network"): every interval, plus or
/// minus uniform jitter of half of it, it sends every queued envelope upstream in random
/// order, and deletes its copy only once the upstream answered 202 with a receipt for those
/// bytes. The upstream thus sees envelopes in batches on the edge's timer, never at their
/// arrival here. While the upstream is away or full, it retries with capped exponential
/// backoff and keeps everything (the spool's quotas still apply: 507 when full).
struct Forwarder: Service {
    let spool: Spool
    let client: UpstreamClient
    let intervalSeconds: Int
    /// Reads whole envelopes to hash them; never an event loop.
    let threadPool: NIOThreadPool
    let logger: Logger
    /// Run before every round: the bundle refresh.
    var beforeRound: @Sendable () async -> Void = {}

    func run() async throws {
        var state = State()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let delay = Self.delay(intervalSeconds: intervalSeconds, failures: state.failures)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
            await beforeRound()
            // A shutdown cuts a forward short: the upstream never keeps a partial envelope,
            // and this copy stays until a later 202.
            let current = state
            state = await cancelWhenGracefulShutdown { await round(current) }
        }
        await client.shutdown()
    }

    /// What one round leaves for the next.
    struct State: Sendable {
        var failures = 0
        /// Envelopes the upstream refused, logged once each.
        var reported: Set<EnvelopeID> = []
        var unauthorizedLogged = false
    }

    /// Forwards everything queued; stops at the first sign that the upstream is away.
    func round(_ previous: State) async -> State {
        var state = previous
        let queued = await spool.queuedReports()
        var delivered = 0
        for (id, size) in queued {
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let path = spool.path(ofQueued: id)
            let digest: [UInt8]
            do {
                digest = try await threadPool.runIfActive {
                    let hasher = try EnvelopeHasher(file: path)
                    guard hasher.id() == id else { throw EnvelopeFileBody.Changed() }
                    return Array(hasher.digest())
                }
            } catch {
                // Expired or removed since the listing, or unreadable: nothing to send now.
                continue
            }
            switch await client.forward(path: path, id: id, size: size, digest: digest) {
            case .stored:
                await spool.forwarded(id)
                delivered += 1
            case .refused(let status, let code, let message):
                if state.reported.insert(id).inserted {
                    logger.error("the upstream refused a forwarded envelope; it stays in this edge's spool",
                                 metadata: ["envelope": "\(id)", "status": "\(status)", "code": "\(code)", "reason": "\(message)"])
                }
            case .unauthorized(let message):
                if !state.unauthorizedLogged {
                    logger.error("the upstream does not accept this edge's signature; allow this relay.pub there with `sealrelayd edge allow`",
                                 metadata: ["reason": "\(message)"])
                    state.unauthorizedLogged = true
                }
                return failed(state, delivered: delivered)
            case .unavailable(let why):
                if state.failures == 0 {
                    logger.warning("the upstream is unavailable; holding envelopes and retrying with backoff",
                                   metadata: ["reason": "\(why)"])
                }
                return failed(state, delivered: delivered)
            }
        }
        if state.failures > 0 { logger.notice("the upstream is reachable again") }
        state.failures = 0
        state.unauthorizedLogged = false
        if delivered > 0 { logger.info("forwarded a batch upstream", metadata: ["envelopes": "\(delivered)"]) }
        return state
    }

    private func failed(_ state: State, delivered: Int) -> State {
        var state = state
        state.failures += 1
        if delivered > 0 { logger.info("forwarded part of a batch upstream", metadata: ["envelopes": "\(delivered)"]) }
        return state
    }

    /// The wait before the next round: the interval, or after `failures` failed rounds a
    /// backoff that doubles from a tenth of it (at least a second) up to four intervals;
    /// either way multiplied by a uniform factor in [0.5, 1.5], so rounds do not keep time.
    static func delay(intervalSeconds: Int, failures: Int) -> Duration {
        let interval = Double(intervalSeconds)
        var mean = interval
        if failures > 0 {
            let first = max(1, interval / 10)
            mean = min(4 * interval, first * pow(2, Double(min(failures - 1, 30))))
        }
        return .milliseconds(Int(mean * Double.random(in: 0.5...1.5) * 1000))
    }
}
