import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import SealCore

/// The chunked report upload (docs/API.md "Chunked uploads"), for the submission page:
/// create, append slices at an offset, complete. Answers are JSON, as everywhere; nothing
/// of the request beyond the id, the offset and the body is read.
struct UploadRoutes: Sendable {
    let uploads: ChunkedUploads
    let metrics: RelayMetrics

    static let offsetHeader = HTTPField.Name("Upload-Offset")!

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/uploads") { _, _ in await create() }
        router.put("/v1/uploads/:id") { request, context in await append(request, context: context) }
        router.post("/v1/uploads/:id/complete") { _, context in await complete(context: context) }
        router.delete("/v1/uploads/:id") { _, context in await cancel(context: context) }
    }

    private func id(_ context: BasicRequestContext) -> UploadID? {
        context.parameters.get("id").flatMap(UploadID.init)
    }

    func create() async -> Response {
        do {
            let id = try await uploads.create()
            return APIResponse.json(.created, ["upload": id.description, "max_slice": ChunkedUploads.maxSliceBytes])
        } catch {
            return refusal(error)
        }
    }

    func append(_ request: Request, context: BasicRequestContext) async -> Response {
        guard let id = id(context) else { return refusal(UploadRefusal.notFound) }
        guard let text = request.headers[Self.offsetHeader], !text.isEmpty, text.utf8.count <= 18,
              text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let offset = Int(text)
        else { return APIResponse.error(.badRequest, "give the offset the slice starts at in the Upload-Offset header") }
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        do {
            let now = try await uploads.append(id, offset: offset, declaredLength: declared, body: request.body)
            return APIResponse.json(.ok, ["offset": now])
        } catch {
            return refusal(error)
        }
    }

    func complete(context: BasicRequestContext) async -> Response {
        guard let id = id(context) else { return refusal(UploadRefusal.notFound) }
        do {
            return EnvelopeIntake.accepted(try await uploads.complete(id), metrics: metrics)
        } catch {
            return refusal(error)
        }
    }

    func cancel(context: BasicRequestContext) async -> Response {
        guard let id = id(context) else { return refusal(UploadRefusal.notFound) }
        do {
            try await uploads.cancel(id)
            return Response(status: .noContent)
        } catch {
            return refusal(error)
        }
    }

    private func refusal(_ error: any Error) -> Response {
        if let refusal = error as? UploadRefusal {
            switch refusal {
            case .tooManyUploads:
                metrics.rejectedFull.increment()
                return APIResponse.error(.serviceUnavailable, "too many uploads are in progress; try again later")
            case .notFound:
                return APIResponse.error(.notFound, "no such upload (it completed, failed, expired, or the relay restarted)")
            case .conflict(let offset):
                return APIResponse.json(.conflict, ["error": "the upload is at another offset, or busy", "offset": offset])
            case .sliceTooLarge(let max):
                metrics.rejectedTooLarge.increment()
                return APIResponse.error(.contentTooLarge, "a slice may carry at most \(max) bytes")
            }
        }
        guard IntakeError(error) != nil else {
            // The body broke off: the upload keeps what arrived. The client is gone anyway.
            return APIResponse.error(.badRequest, "the slice did not arrive whole; ask for the offset and resume")
        }
        return EnvelopeIntake.refusal(error, metrics: metrics)
    }
}
