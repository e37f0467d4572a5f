import HTTPTypes
import Hummingbird
import SealAPI

/// The one place reviewer requests are authenticated (RFC 9421, docs/API.md): it checks
/// the signature and puts the reviewer, and the body digest the signature covers, into
/// the request context for the reviewer routes behind it. A refusal is counted and
/// answered here, before any route sees the request.
struct ReviewerAuthentication: RouterMiddleware {
    typealias Context = RelayRequestContext

    let authenticator: RequestAuthenticator
    let metrics: RelayMetrics

    static let signatureInput = HTTPField.Name(RelayHeader.signatureInput)!
    static let signature = HTTPField.Name(RelayHeader.signature)!
    static let contentDigest = HTTPField.Name(RelayHeader.contentDigest)!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let digest = request.headers[Self.contentDigest]
        let signed = SignedRequest(method: request.method.rawValue, authority: request.head.authority ?? "",
                                   path: request.uri.path, contentDigest: digest)
        do {
            context.reviewer = try await authenticator.authenticate(
                signed, hasBody: request.hasBody, signatureInput: request.headers[Self.signatureInput],
                signature: request.headers[Self.signature])
        } catch let failure as RequestAuthenticator.Failure {
            metrics.countAuthFailure()
            throw RelayError(failure.code, failure.description)
        }
        context.signedDigest = digest.flatMap(ContentDigest.parse)
        return try await next(request, context)
    }
}
