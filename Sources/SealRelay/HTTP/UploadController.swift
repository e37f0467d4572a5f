import HTTPTypes
import Hummingbird
import NIOCore
import SealAPI
import SealCore

/// The chunked report upload (docs/API.md "Chunked uploads"), for the submission page:
/// create, append slices at an offset, complete. Nothing of the request beyond the id,
/// the offset and the body is read.
struct UploadController: Sendable {
    let uploads: ChunkedUploads
    let metrics: RelayMetrics

    static let offsetHeader = HTTPField.Name(RelayHeader.uploadOffset)!

    /// - Parameter paid: the group behind the proof-of-work check: creating an upload takes
    /// a slot, so it is paid for like a report; its slices and completion are not.
    func addRoutes(to group: RouterGroup<RelayRequestContext>, paid: RouterGroup<RelayRequestContext>) {
        paid.post("uploads") { _, _ in try await create() }
        group.put("uploads/:id") { request, context in try await append(request, context: context) }
        group.post("uploads/:id/complete") { _, context in try await complete(context: context) }
        group.delete("uploads/:id") { _, context in try await cancel(context: context) }
    }

    private func id(_ context: RelayRequestContext) throws -> UploadID {
        guard let id = context.parameters.get("id").flatMap(UploadID.init) else { throw refusal(UploadRefusal.notFound) }
        return id
    }

    func create() async throws -> Response {
        do {
            let id = try await uploads.create()
            return Response.json(.created, UploadCreated(upload: id, maxSlice: ChunkedUploads.maxSliceBytes))
        } catch {
            throw refusal(error)
        }
    }

    func append(_ request: Request, context: RelayRequestContext) async throws -> Response {
        let id = try id(context)
        guard let text = request.headers[Self.offsetHeader], !text.isEmpty, text.utf8.count <= 18,
              text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let offset = Int(text)
        else { throw RelayError(.uploadOffsetRequired, "give the offset the slice starts at in the Upload-Offset header") }
        do {
            let now = try await uploads.append(id, offset: offset, declaredLength: request.declaredLength, body: request.body)
            return Response.json(.ok, UploadOffset(offset: now))
        } catch {
            throw refusal(error)
        }
    }

    func complete(context: RelayRequestContext) async throws -> Response {
        let id = try id(context)
        do {
            return EnvelopeIntake.accepted(try await uploads.complete(id), metrics: metrics)
        } catch {
            throw refusal(error)
        }
    }

    func cancel(context: RelayRequestContext) async throws -> Response {
        let id = try id(context)
        do {
            try await uploads.cancel(id)
            return Response(status: .noContent)
        } catch {
            throw refusal(error)
        }
    }

    /// A broken-off slice keeps what arrived, so its answer says how to resume.
    private func refusal(_ error: any Error) -> RelayError {
        RelayError(refusing: error, metrics: metrics,
                   incomplete: "the slice did not arrive whole; ask for the offset and resume")
    }
}
