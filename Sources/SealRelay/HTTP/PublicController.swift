import HTTPTypes
import Hummingbird
import NIOCore
import SealAPI
import SealCore

/// What anyone can ask of the relay: the bundle, and report intake in one request
/// (docs/API.md "Public listener").
struct PublicController: Sendable {
    let bundle: CurrentBundle
    let intake: EnvelopeIntake
    let metrics: RelayMetrics

    /// - Parameter paid: the group behind the proof-of-work check, for the write.
    func addRoutes(to group: RouterGroup<RelayRequestContext>, paid: RouterGroup<RelayRequestContext>) {
        group.get("bundle") { _, _ in getBundle() }
        paid.post("reports") { request, _ in try await postReport(request) }
    }

    func getBundle() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bundle.bundle.fileBytes)))
    }

    func postReport(_ request: Request) async throws -> Response {
        try await intake.answer(request, as: bundle.delivery, metrics: metrics)
    }
}
