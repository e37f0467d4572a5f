import Foundation

/// Where an edge relay forwards to (`upstream = https://HOST[:PORT][/PATH]`). Plain http is
/// accepted only for an onion address, which Tor already authenticates and encrypts, and only
/// with `upstream_proxy` set (nothing else can reach it).
public struct UpstreamEndpoint: Sendable, Equatable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int
    /// Prefix of every route, without a trailing slash ("" for none).
    public let basePath: String

    public init(parsing text: String) throws {
        func fail(_ why: String) -> ConfigError { ConfigError("upstream \(text): \(why)") }
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased() else {
            throw fail("expected https://HOST[:PORT]")
        }
        guard let host = c.host?.lowercased(), !host.isEmpty else { throw fail("no host") }
        guard scheme == "https" || (scheme == "http" && host.hasSuffix(".onion")) else {
            throw fail("must be https:// (plain http only for an .onion address)")
        }
        guard c.user == nil, c.password == nil, c.query == nil, c.fragment == nil else {
            throw fail("no user, query or fragment allowed")
        }
        let port = c.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw fail("bad port") }
        var path = c.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = path
    }

    /// The URL of one route, e.g. `/v1/relay/envelopes`.
    public func url(_ route: String) -> String { "\(scheme)://\(authority)\(basePath)\(route)" }

    /// What the upstream sees as `@authority` (RFC 9421): the Host header the client sends.
    public var authority: String {
        let defaultPort = scheme == "https" ? 443 : 80
        let shown = host.contains(":") ? "[\(host)]" : host
        return port == defaultPort ? shown : "\(shown):\(port)"
    }

    public var description: String { "\(scheme)://\(authority)\(basePath)" }
}
