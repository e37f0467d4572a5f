import HTTPTypes
import Hummingbird

/// Lets the offline page (README "The offline page") reach the source endpoints. Opened
/// from a file, the page's origin is the opaque `null`; the relay answers that origin, and
/// no other, on the routes a source uses, without credentials, and answers its CORS
/// preflights. Reviewer and admin routes never carry these headers, so no page anywhere
/// can script them.
struct OfflinePageAccess<Context: RequestContext>: RouterMiddleware {
    /// The routes a source uses, by path prefix.
    static var sourcePaths: [String] { ["/v1/pow", "/v1/reports", "/v1/uploads", "/v1/mailbox"] }
    static var allowedHeaders: String { "Content-Type, Seal-PoW, Upload-Offset, Mailbox-Secret" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.headers[.origin] == "null",
              Self.sourcePaths.contains(where: { path == $0 || path.hasPrefix($0 + "/") })
        else { return try await next(request, context) }
        var response: Response
        if request.method == .options {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, PUT, DELETE"
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = "600"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as any HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
        }
        response.headers[.accessControlAllowOrigin] = "null"
        response.headers[.vary] = "Origin"
        return response
    }
}
