import HTTPTypes
import Hummingbird
import NIOCore
import SealAPI

/// Every refusal the relay sends, as a value: its code (SealAPI's `RelayErrorCode`, which
/// fixes the status), one line for a person, and `offset` for an upload conflict. Routes
/// throw it; Hummingbird renders it here, so every error answer has the one JSON shape
/// `{"code", "error"[, "offset"]}` (docs/API.md "Errors").
struct RelayError: HTTPResponseError, Equatable {
    let code: RelayErrorCode
    let message: String
    var offset: Int?
    var pow: PoWOffer?

    init(_ code: RelayErrorCode, _ message: String, offset: Int? = nil, pow: PoWOffer? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.pow = pow
    }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: code.status) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(status, RelayErrorBody(code: code, error: message, offset: offset, pow: pow))
    }

    static let notFound = RelayError(.notFound, "no such envelope in your inbox")
}
