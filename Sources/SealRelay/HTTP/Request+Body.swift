import HTTPTypes
import Hummingbird

extension Request {
    /// The body length the client declared, if it declared one as a plain number.
    var declaredLength: Int? {
        guard let text = headers[.contentLength], !text.isEmpty, text.utf8.count <= 19,
              text.utf8.allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        return Int(text) ?? Int.max
    }
}

extension Request {
    /// Whether the request carries a body: a non-zero length, or a chunked one. Methods
    /// that send data always count as carrying one, so a signature must cover its digest.
    var hasBody: Bool {
        if method == .post || method == .put { return true }
        if let length = declaredLength { return length > 0 }
        return headers[.transferEncoding] != nil || headers[.contentLength] != nil
    }
}
