import HTTPTypes
import Hummingbird
import SealAPI

/// Puts the proof-of-work gate in front of the routes an anonymous writer uses to make the
/// relay store something (`POST /v1/reports`, `POST /v1/uploads`): the token is checked
/// before a byte of the body is read, and a refusal carries a fresh challenge, so a client
/// can solve it and try once more without another round trip.
struct ProofOfWorkCheck: RouterMiddleware {
    typealias Context = RelayRequestContext
    static let header = HTTPField.Name(RelayHeader.proofOfWork)!

    let gate: ProofOfWorkGate
    let metrics: RelayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            try await gate.admit(header: request.headers[Self.header])
        } catch .unavailable {
            throw RelayError(refusing: SpoolError.unavailable, metrics: metrics)
        } catch {
            metrics.countProofOfWorkRefused()
            throw RelayError(.powRequired, error.description, pow: await gate.offer())
        }
        let response = try await next(request, context)
        if response.status.code < 300 { await gate.recordWrite() }
        return response
    }
}
