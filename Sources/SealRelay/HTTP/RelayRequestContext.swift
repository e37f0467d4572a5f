import Hummingbird
import NIOCore
import SealAPI

/// What a request carries between the middleware and the routes: the reviewer the
/// authentication middleware found (reviewer routes only), and the body digest their
/// signature covered, which the intake checks the body against.
struct RelayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Set by `ReviewerAuthentication`; nil on every other route.
    var reviewer: ReviewerCredential?
    /// Set by `SignatureAuthentication` on the forwarding route: the edge relay that signed.
    var edge: AllowedEdge?
    /// The SHA-256 the reviewer's signed `Content-Digest` states, for a request with a body.
    var signedDigest: [UInt8]?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// The authenticated reviewer; a route behind `ReviewerAuthentication` always has one.
    func requireReviewer() throws -> ReviewerCredential {
        guard let reviewer else { throw RelayError(.unauthorized, "the request is not signed") }
        return reviewer
    }
}
