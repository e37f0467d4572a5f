import HTTPTypes
import Hummingbird

/// Response headers every public answer carries (SECURITY.md): nothing cached, no referrer
/// sent onwards, nothing loaded from anywhere else, no way to frame the page. The same CSP
/// covers the submission page: no inline script or style, and `form-action 'none'` because
/// no form on the page ever submits: the page only sends ciphertext, by script.
struct PrivacyHeaders<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.cacheControl] = "no-store"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("Cross-Origin-Resource-Policy")!] = "same-origin"
        response.headers[.eTag] = nil
        response.headers[.setCookie] = nil
        response.headers[.server] = nil
        // Browsers ignore it over plain HTTP (RFC 6797 §8.1), so the onion listener, which
        // shares these routes, may send it too: only the TLS listener's copy takes effect.
        response.headers[.strictTransportSecurity] = "max-age=63072000"
        return response
    }
}
