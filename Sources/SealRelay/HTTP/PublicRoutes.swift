import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import SealCore

/// What a source can ask of the relay: the bundle and report intake (docs/API.md).
struct PublicRoutes: Sendable {
    let bundle: RecipientBundle
    let intake: EnvelopeIntake
    let metrics: RelayMetrics

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/bundle") { _, _ in getBundle() }
        router.post("/v1/reports") { request, _ in await postReport(request) }
    }

    func getBundle() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bundle.fileBytes)))
    }

    func postReport(_ request: Request) async -> Response {
        await intake.answer(request, as: .report(reviewers: Set(bundle.reviewers.map(\.kid))), metrics: metrics)
    }
}

extension EnvelopeIntake {
    /// Receives an upload and answers it: 202 with the receipt, or the one-line reason.
    func answer(_ request: Request, as delivery: Delivery, metrics: RelayMetrics) async -> Response {
        do {
            return Self.accepted(try await receive(request.body, as: delivery), metrics: metrics)
        } catch {
            return Self.refusal(error, metrics: metrics)
        }
    }

    static func accepted(_ id: EnvelopeID, metrics: RelayMetrics) -> Response {
        // The spool gauges are refreshed when /metrics is read, not on this hot path.
        metrics.accepted.increment()
        return APIResponse.json(.accepted, ["receipt": id.description])
    }

    /// The answer to a refused upload, counted by reason. Both ways in use it, so a
    /// refusal looks the same whichever the client took.
    static func refusal(_ error: any Error, metrics: RelayMetrics) -> Response {
        switch IntakeError(error) {
        case .malformed(let why):
            metrics.rejectedMalformed.increment()
            return APIResponse.error(.badRequest, why)
        case .spool(.tooLarge(let max)):
            metrics.rejectedTooLarge.increment()
            return APIResponse.error(.contentTooLarge, SpoolError.tooLarge(max).description)
        case .spool(let e):
            metrics.rejectedFull.increment()
            return APIResponse.error(.insufficientStorageStatus, e.description)
        case nil:
            // The client went away mid-body, or the server is shutting down.
            metrics.rejectedMalformed.increment()
            return APIResponse.error(.badRequest, "the upload did not complete")
        }
    }
}
