import HTTPTypes
import Hummingbird
import SealAPI

/// Reviewer routes sit behind this, with their fetch credentials.
typealias ReviewerAuthentication = SignatureAuthentication<ReviewerCredential>

/// The one place signed requests are authenticated (RFC 9421, docs/API.md): reviewers on
/// their routes, edge relays on the forwarding route. It checks the signature and puts the
/// signer, and the body digest the signature covers, into the request context for the
/// routes behind it. A refusal is counted and answered here, before any route sees the
/// request.
struct SignatureAuthentication<Signer: RequestSigner>: RouterMiddleware {
    typealias Context = RelayRequestContext

    let authenticator: RequestAuthenticator<Signer>
    let metrics: RelayMetrics

    static var signatureInput: HTTPField.Name { HTTPField.Name(RelayHeader.signatureInput)! }
    static var signature: HTTPField.Name { HTTPField.Name(RelayHeader.signature)! }
    static var contentDigest: HTTPField.Name { HTTPField.Name(RelayHeader.contentDigest)! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let digest = request.headers[Self.contentDigest]
        let signed = SignedRequest(method: request.method.rawValue, authority: request.head.authority ?? "",
                                   path: request.uri.path, contentDigest: digest)
        do {
            let signer = try await authenticator.authenticate(
                signed, hasBody: request.hasBody, signatureInput: request.headers[Self.signatureInput],
                signature: request.headers[Self.signature])
            signer.admit(into: &context)
        } catch let failure as SignatureFailure {
            metrics.countAuthFailure()
            throw RelayError(failure.code, failure.description)
        } catch let error as SpoolError {
            throw RelayError(refusing: error, metrics: metrics)
        }
        context.signedDigest = digest.flatMap(ContentDigest.parse)
        return try await next(request, context)
    }
}
