import HTTPTypes
import Hummingbird
import NIOCore
import SealAPI
import SealCore

/// A source reads the replies to their reports (docs/FORMAT.md §5 and docs/API.md) by
/// presenting the mailbox secret derived from their codename; the relay hashes it to find
/// the mailbox. There is no account and nothing to log in with, and an unknown mailbox
/// looks exactly like an empty one.
struct MailboxController: Sendable {
    let spool: any EnvelopeStore
    let fileIO: FileIO

    static let secretHeader = HTTPField.Name(RelayHeader.mailboxSecret)!

    func addRoutes(to group: RouterGroup<RelayRequestContext>) {
        group.get("mailbox") { request, _ in try await list(request) }
        group.get("mailbox/:id") { request, context in try await download(request, context: context) }
    }

    private func mailbox(_ request: Request) throws -> MailboxID {
        guard let mailbox = request.headers[Self.secretHeader].flatMap(MailboxID.init(presentedSecret:)) else {
            throw RelayError(.mailboxSecretRequired, "give the mailbox secret in the Mailbox-Secret header")
        }
        return mailbox
    }

    func list(_ request: Request) async throws -> Response {
        let mailbox = try mailbox(request)
        let stored: [(id: EnvelopeID, size: Int)]
        do { stored = try await spool.replies(in: mailbox) } catch { throw RelayError(storage: error, "the relay could not read the mailbox") }
        let replies = stored.map { ListedEnvelope(id: $0.id.description, size: $0.size) }
        return Response.json(.ok, MailboxListing(replies: replies))
    }

    func download(_ request: Request, context: RelayRequestContext) async throws -> Response {
        let mailbox = try mailbox(request)
        guard let id = context.parameters.get("id").flatMap(EnvelopeID.init) else { throw RelayError(.notFound, "no such reply") }
        let stored: StoredEnvelope?
        do { stored = try await spool.reply(id, in: mailbox) } catch { throw RelayError(storage: error, "the relay could not read the reply") }
        guard let stored, let body = try? await stored.responseBody(fileIO: fileIO, context: context) else {
            throw RelayError(.notFound, "no such reply")
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }
}
