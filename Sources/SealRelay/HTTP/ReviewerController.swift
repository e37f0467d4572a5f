import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import SealAPI
import SealCore

/// A reviewer's online machine pulls ciphertext, acknowledges it, and posts replies
/// (docs/API.md "Reviewer routes"). Its group sits behind `ReviewerAuthentication`, so
/// every handler here finds the signed-in reviewer in the context.
struct ReviewerController: Sendable {
    let spool: any EnvelopeStore
    let metrics: RelayMetrics
    let fileIO: FileIO
    let intake: EnvelopeIntake

    func addRoutes(to group: RouterGroup<RelayRequestContext>) {
        group.post("replies/:mailbox") { request, context in try await postReply(request, context: context) }
        group.get("inbox") { _, context in try await listInbox(context: context) }
        group.get("inbox/:id") { _, context in try await download(context: context) }
        group.delete("inbox/:id") { _, context in try await acknowledge(context: context) }
    }

    /// A reviewer answers a source: the relay learns only which mailbox, never which report.
    func postReply(_ request: Request, context: RelayRequestContext) async throws -> Response {
        _ = try context.requireReviewer()
        guard let mailbox = context.parameters.get("mailbox").flatMap({ MailboxID($0) }) else {
            throw RelayError(.notFound, "a mailbox id is 22 base64url characters")
        }
        return try await intake.answer(request, as: .reply(mailbox: mailbox), metrics: metrics,
                                       expectedDigest: context.signedDigest)
    }

    func listInbox(context: RelayRequestContext) async throws -> Response {
        let reviewer = try context.requireReviewer()
        let inbox: [(id: EnvelopeID, size: Int)]
        do { inbox = try await spool.inbox(for: reviewer.kids) } catch { throw RelayError(storage: error, "the relay could not read the inbox") }
        let list = inbox.map { ListedEnvelope(id: $0.id.description, size: $0.size) }
        return Response.json(.ok, InboxListing(envelopes: list))
    }

    /// The id comes from the URL: only the strict 22-character form is ever turned into a
    /// file name, so "../" and friends are simply "no such envelope".
    private func envelope(_ context: RelayRequestContext) throws -> EnvelopeID {
        guard let id = context.parameters.get("id").flatMap(EnvelopeID.init) else { throw RelayError.notFound }
        return id
    }

    func download(context: RelayRequestContext) async throws -> Response {
        let reviewer = try context.requireReviewer()
        let id = try envelope(context)
        let stored: StoredEnvelope?
        do { stored = try await spool.report(id, for: reviewer.kids) } catch { throw RelayError(storage: error, "the relay could not read the envelope") }
        guard let stored, let body = try? await stored.responseBody(fileIO: fileIO, context: context) else { throw RelayError.notFound }
        metrics.countDownload()
        var headers: HTTPFields = [.contentType: "application/octet-stream"]
        if let receipts = intake.receipts,
           let receipt = await spool.keptReceipt(id, book: receipts, threadPool: intake.threadPool),
           let value = try? receipt.headerValue(), let name = HTTPField.Name(RelayHeader.receipt) {
            headers[name] = value
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    func acknowledge(context: RelayRequestContext) async throws -> Response {
        let reviewer = try context.requireReviewer()
        let id = try envelope(context)
        let known: Bool
        do {
            known = try await spool.acknowledge(id, by: reviewer.kids)
        } catch {
            throw RelayError(storage: error, "the relay could not record the acknowledgement")
        }
        guard known else { throw RelayError.notFound }
        metrics.countAcknowledgement()
        return Response(status: .noContent)
    }
}
