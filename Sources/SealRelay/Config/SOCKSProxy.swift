/// `upstream_proxy = socks5h://HOST:PORT`: the SOCKS5 proxy (Tor's, normally) an edge reaches
/// its upstream through. The upstream's name goes to the proxy unresolved, so an onion
/// address works and no DNS query for it leaves the machine.
public struct SOCKSProxy: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(parsing text: String) throws {
        func fail(_ why: String) -> ConfigError { ConfigError("upstream_proxy \(text): \(why)") }
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("socks5h://") {
            rest = text.dropFirst("socks5h://".count)
        } else if lower.hasPrefix("socks5://") {
            rest = text.dropFirst("socks5://".count)
        } else {
            throw fail("expected socks5h://HOST:PORT, for example socks5h://127.0.0.1:9050 for Tor")
        }
        guard let hostPort = HostPort(String(rest)), hostPort.port > 0 else {
            throw fail("expected socks5h://HOST:PORT with nothing after the port")
        }
        self.host = hostPort.host
        self.port = hostPort.port
    }

    public var description: String { "socks5h://\(HostPort(host: host, port: port))" }
}
