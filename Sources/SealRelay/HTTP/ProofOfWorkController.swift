import Hummingbird
import SealAPI
import SealCore

/// `GET /v1/pow`: a fresh challenge at the current difficulty (docs/API.md "Proof of
/// work"). Stateless for the relay, so it may be asked as often as anyone likes; the price
/// reflects how full the spool is at the moment of asking.
struct ProofOfWorkController: Sendable {
    let gate: ProofOfWorkGate
    let spool: any EnvelopeStore
    let metrics: RelayMetrics

    func addRoutes(to group: RouterGroup<RelayRequestContext>) {
        group.get("pow") { _, _ in try await offer() }
    }

    func offer() async throws -> Response {
        let quotas = spool.quotas
        // A database that is away keeps the last fill: writes get 503 anyway.
        if let usage = try? await spool.usage() {
            await gate.setSpoolFill(max(Double(usage.bytes) / Double(quotas.maxSpoolBytes), Double(usage.count) / Double(quotas.maxEnvelopes)))
        }
        let offer = await gate.offer()
        metrics.setProofOfWorkBits(offer.bits)
        return Response.json(.ok, offer)
    }
}
