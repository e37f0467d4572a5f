import Foundation
import SealAPI

/// A relay's base address, checked before any connection is made.
///
/// `https://` always; `http://` only where the transport is already private without TLS:
/// the loopback interface (127.0.0.0/8, ::1, localhost) and Tor onion services (`.onion`,
/// whose connections are end-to-end encrypted and authenticated by the address itself).
struct RelayEndpoint: Sendable, Equatable {
    enum Scheme: String, Sendable { case https, http }

    let scheme: Scheme
    /// Host without IPv6 brackets, lower case.
    let host: String
    let port: Int?
    /// Path prefix under which the relay's `/v1/...` routes live ("" for the root).
    let basePath: String

    init(parsing text: String) throws {
        func fail(_ why: String) -> CLIError { CLIError("--relay \(text): \(why)") }
        guard let components = URLComponents(string: text), let rawScheme = components.scheme else {
            throw fail("not a URL; expected https://HOST[:PORT]")
        }
        guard let scheme = Scheme(rawValue: rawScheme.lowercased()) else {
            throw fail("only https:// (or http:// to loopback or a .onion address) is supported")
        }
        guard var host = components.host, !host.isEmpty else { throw fail("no host name") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        host = host.lowercased()
        guard components.user == nil, components.password == nil else {
            throw fail("user names and passwords in the address are not supported")
        }
        guard components.query == nil, components.fragment == nil else { throw fail("remove the ?query or #fragment") }
        if let port = components.port, !(1...65535).contains(port) { throw fail("port out of range") }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/".utf8)
        guard path.utf8.allSatisfy(allowed.contains), !path.contains("//"),
              !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." })
        else { throw fail("the path may contain only letters, digits and - . _ ~ /") }
        self.scheme = scheme
        self.host = host
        self.port = components.port
        self.basePath = path
        if scheme == .http && !(isLoopback || isOnion) {
            throw fail("http:// is allowed only for 127.0.0.1, ::1, localhost or a .onion address; use https://")
        }
    }

    var isOnion: Bool {
        host.hasSuffix(".onion") || host.hasSuffix(".onion.")
    }

    /// `localhost` (which the CLI's resolver answers from /etc/hosts) or a loopback
    /// address literal (`LoopbackHost`).
    var isLoopback: Bool {
        host == "localhost" || host == "localhost." || LoopbackHost.contains(host)
    }

    /// `scheme://host[:port]`, for messages.
    var origin: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(h)\(port.map { ":\($0)" } ?? "")"
    }

    /// The host (and port) for messages such as "TLS handshake with HOST failed".
    var hostDisplay: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(h)\(port.map { ":\($0)" } ?? "")"
    }

    /// The request path as sent on the wire (and covered by a reviewer's signature).
    func requestPath(_ route: String) -> String { basePath + route }

    /// The full URL of a route such as `/v1/bundle`.
    func url(_ route: String) -> String { origin + requestPath(route) }
}

/// `--proxy socks5h://HOST:PORT` (or `socks5://`): a SOCKS5 proxy such as Tor's.
///
/// AsyncHTTPClient sends the relay's host name to the proxy unresolved (SOCKS5 address
/// type "domain name") whenever the relay is given by name, so both schemes behave like
/// socks5h: no DNS query for the relay leaves this machine, and `.onion` names work. Only
/// the proxy's own host is resolved locally (normally it is 127.0.0.1). The proxy gets no
/// user name or password (AsyncHTTPClient has no SOCKS authentication).
struct RelayProxy: Sendable, Equatable {
    let host: String
    let port: Int

    init(parsing text: String) throws {
        func fail(_ why: String) -> CLIError { CLIError("--proxy \(text): \(why)") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw fail("expected socks5h://HOST:PORT, for example socks5h://127.0.0.1:9050 for Tor")
        }
        guard scheme == "socks5h" || scheme == "socks5" else {
            throw fail("only socks5h:// and socks5:// proxies are supported")
        }
        guard var host = components.host, !host.isEmpty else { throw fail("no proxy host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = components.port, (1...65535).contains(port) else {
            throw fail("give the proxy's port, for example socks5h://127.0.0.1:9050")
        }
        guard components.user == nil, components.password == nil else {
            throw fail("SOCKS user names and passwords are not supported")
        }
        guard components.percentEncodedPath.isEmpty || components.percentEncodedPath == "/",
              components.query == nil, components.fragment == nil
        else { throw fail("expected socks5h://HOST:PORT with nothing after the port") }
        self.host = host
        self.port = port
    }

    var display: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}
