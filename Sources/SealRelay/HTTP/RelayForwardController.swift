import Hummingbird
import SealAPI
import SealCore

/// Envelopes forwarded by the edge relays allowed here (docs/API.md "Relay routes"). Its
/// group sits behind `SignatureAuthentication<AllowedEdge>`; no proof of work is asked, the
/// edge already asked the sender. The envelope is validated exactly as a source's upload,
/// and its signed digest checked, and the intake keeps one copy per envelope id, so an edge
/// that retries after a lost 202 never puts a report twice in an inbox.
struct RelayForwardController: Sendable {
    static let route = "relay/envelopes"

    let bundle: RecipientBundle
    let intake: EnvelopeIntake
    let metrics: RelayMetrics

    func addRoutes(to group: RouterGroup<RelayRequestContext>) {
        group.post(RouterPath(Self.route)) { request, context in try await receive(request, context: context) }
    }

    func receive(_ request: Request, context: RelayRequestContext) async throws -> Response {
        guard context.edge != nil else { throw RelayError(.unauthorized, SignatureFailure.unsigned.description) }
        return try await intake.answer(request, as: .report(reviewers: Set(bundle.reviewers.map(\.kid))), metrics: metrics,
                                       expectedDigest: context.signedDigest)
    }
}
