import HTTPTypes
import Hummingbird
import NIOCore
import SealAPI

extension Response {
    /// A JSON answer from one of SealAPI's bodies, byte for byte the same every time.
    static func json(_ status: HTTPResponse.Status, _ body: some Encodable) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: RelayJSON.encode(body))))
    }
}
