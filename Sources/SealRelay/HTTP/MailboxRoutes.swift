import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SealCore

/// A source reads the replies to their reports (docs/FORMAT.md §5 and docs/API.md) by presenting the mailbox
/// secret derived from their codename; the relay hashes it to find the mailbox. There is no
/// account and nothing to log in with, and an unknown mailbox looks exactly like an empty one.
struct MailboxRoutes: Sendable {
    let spool: Spool
    let fileIO: FileIO

    static let secretHeader = HTTPField.Name("Mailbox-Secret")!

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/mailbox") { request, _ in await list(request) }
        router.get("/v1/mailbox/:id") { request, context in await download(request, context: context) }
    }

    private func mailbox(_ request: Request) -> MailboxID? {
        request.headers[Self.secretHeader].flatMap(MailboxID.init(secret:))
    }

    func list(_ request: Request) async -> Response {
        guard let mailbox = mailbox(request) else {
            return APIResponse.error(.badRequest, "give the mailbox secret in the Mailbox-Secret header")
        }
        let replies = await spool.replies(in: mailbox).map { ["id": $0.id.description, "size": $0.size] as [String: Any] }
        return APIResponse.json(.ok, ["replies": replies])
    }

    func download(_ request: Request, context: BasicRequestContext) async -> Response {
        guard let mailbox = mailbox(request) else {
            return APIResponse.error(.badRequest, "give the mailbox secret in the Mailbox-Secret header")
        }
        guard let id = context.parameters.get("id").flatMap(EnvelopeID.init),
              let path = await spool.path(ofReply: id, in: mailbox),
              let body = try? await fileIO.loadFile(path: path, context: context)
        else { return APIResponse.error(.notFound, "no such reply") }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }
}
