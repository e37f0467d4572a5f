import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import SealCore

/// A reviewer's online machine pulls ciphertext and acknowledges it (docs/API.md). Every
/// request is signed with the reviewer's fetch credential (RFC 9421).
struct ReviewerRoutes: Sendable {
    let spool: Spool
    let authenticator: RequestAuthenticator
    let metrics: RelayMetrics
    let fileIO: FileIO
    let intake: EnvelopeIntake

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/replies/:mailbox") { request, context in await postReply(request, context: context) }
        router.get("/v1/inbox") { request, _ in await listInbox(request) }
        router.get("/v1/inbox/:id") { request, context in await download(request, context: context) }
        router.delete("/v1/inbox/:id") { request, context in await acknowledge(request, context: context) }
    }

    /// The authenticated reviewer, or the 401 to send instead.
    private func reviewer(_ request: Request) async -> (ReviewerCredential?, Response) {
        do {
            let credential = try await authenticator.authenticate(
                method: request.method.rawValue, path: request.uri.path,
                signatureInput: request.headers[Self.signatureInput], signature: request.headers[Self.signature])
            return (credential, Response(status: .ok))
        } catch {
            metrics.authFailures.increment()
            return (nil, APIResponse.error(.unauthorized, String(describing: error)))
        }
    }

    static let signatureInput = HTTPField.Name("Signature-Input")!
    static let signature = HTTPField.Name("Signature")!

    /// A reviewer answers a source: the relay learns only which mailbox, never which report.
    func postReply(_ request: Request, context: BasicRequestContext) async -> Response {
        let (authenticated, refusal) = await reviewer(request)
        guard authenticated != nil else { return refusal }
        guard let mailbox = context.parameters.get("mailbox").flatMap({ MailboxID($0) }) else {
            return APIResponse.error(.notFound, "a mailbox id is 22 base64url characters")
        }
        return await intake.answer(request, as: .reply(mailbox: mailbox), metrics: metrics)
    }

    func listInbox(_ request: Request) async -> Response {
        let (authenticated, refusal) = await reviewer(request)
        guard let credential = authenticated else { return refusal }
        let list = await spool.inbox(for: credential.kids).map { ["id": $0.id.description, "size": $0.size] as [String: Any] }
        return APIResponse.json(.ok, ["envelopes": list])
    }

    /// The id comes from the URL: only the strict 22-character form is ever turned into a
    /// file name, so "../" and friends are simply "no such envelope".
    private func envelope(_ context: BasicRequestContext) -> EnvelopeID? {
        context.parameters.get("id").flatMap(EnvelopeID.init)
    }

    func download(_ request: Request, context: BasicRequestContext) async -> Response {
        let (authenticated, refusal) = await reviewer(request)
        guard let credential = authenticated else { return refusal }
        guard let id = envelope(context), let path = await spool.path(of: id, for: credential.kids),
              let body = try? await fileIO.loadFile(path: path, context: context)
        else { return APIResponse.error(.notFound, "no such envelope in your inbox") }
        metrics.downloads.increment()
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }

    func acknowledge(_ request: Request, context: BasicRequestContext) async -> Response {
        let (authenticated, refusal) = await reviewer(request)
        guard let credential = authenticated else { return refusal }
        guard let id = envelope(context) else { return APIResponse.error(.notFound, "no such envelope in your inbox") }
        do {
            guard try await spool.acknowledge(id, by: credential.kids) else {
                return APIResponse.error(.notFound, "no such envelope in your inbox")
            }
        } catch {
            return APIResponse.error(.insufficientStorageStatus, "the relay could not record the acknowledgement")
        }
        metrics.acknowledgements.increment()
        return Response(status: .noContent)
    }
}
