/// The parts of a reviewer request a signature covers (docs/API.md "Reviewer routes"):
/// the method, the authority (the `Host` the client addressed, lower case), the path, and
/// for a request with a body its `Content-Digest`.
public struct SignedRequest: Sendable, Equatable {
    public var method: String
    public var authority: String
    public var path: String
    public var contentDigest: String?

    public init(method: String, authority: String, path: String, contentDigest: String? = nil) {
        self.method = method.uppercased()
        self.authority = authority.lowercased()
        self.path = path
        self.contentDigest = contentDigest
    }

    /// The covered components, in signing order.
    public var components: [String] {
        HTTPMessageSignature.requiredComponents + (contentDigest == nil ? [] : [HTTPMessageSignature.digestComponent])
    }

    /// The value of one covered component.
    func value(of component: String) -> String? {
        switch component {
        case "@method": return method
        case "@authority": return authority
        case "@path": return path
        case HTTPMessageSignature.digestComponent: return contentDigest
        default: return nil
        }
    }
}
