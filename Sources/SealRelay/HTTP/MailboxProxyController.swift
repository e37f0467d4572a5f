import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SealAPI
import SealCore

/// An edge relay's mailbox routes (docs/API.md "Relay routes"): replies are uploaded to the
/// home, so the edge asks the home at request time, passing the source's mailbox secret on
/// and keeping nothing: no cache, no log of who asked. A malformed request is refused here,
/// as the home would refuse it, before anything goes upstream.
struct MailboxProxyController: Sendable {
    let upstream: UpstreamClient
    let logger: Logger

    func addRoutes(to group: RouterGroup<RelayRequestContext>) {
        group.get("mailbox") { request, _ in try await pass(request, route: "/v1/mailbox") }
        group.get("mailbox/:id") { request, context in
            guard let id = context.parameters.get("id").flatMap(EnvelopeID.init) else {
                throw RelayError(.notFound, "no such reply")
            }
            return try await pass(request, route: "/v1/mailbox/\(id)")
        }
    }

    func pass(_ request: Request, route: String) async throws -> Response {
        guard let secret = request.headers[MailboxController.secretHeader], MailboxID(presentedSecret: secret) != nil else {
            throw RelayError(.mailboxSecretRequired, "give the mailbox secret in the Mailbox-Secret header")
        }
        let answer: UpstreamClient.Answer
        do {
            answer = try await upstream.mailbox(route: route, secret: secret)
        } catch {
            logger.warning("a mailbox read could not reach the upstream", metadata: ["reason": "\(UpstreamClient.describe(error))"])
            throw RelayError(.upstreamUnavailable, "this relay cannot reach the organisation's home relay now; try another relay or later")
        }
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType ?? "application/octet-stream"
        return Response(status: .init(code: answer.status), headers: headers, body: answer.body)
    }
}
