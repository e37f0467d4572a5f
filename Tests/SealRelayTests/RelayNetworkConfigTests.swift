import Foundation
import SealCore
import Testing
@testable import SealRelay

/// The relay-network settings of relay.conf (docs/ARCHITECTURE.md "Relay network") and the
/// forwarder's timing.
@Suite("relay network settings")
struct RelayNetworkConfigTests {
    func load(_ text: String) throws -> RelayConfig { try RelayConfig.load(text: text) }

    func refusal(_ text: String) -> String {
        do {
            _ = try load(text)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("an edge's settings load: upstream, its CA, a SOCKS proxy and the interval")
    func edgeSettingsLoad() throws {
        let config = try load("""
            role = edge
            upstream = https://Home.Example.org:8443/relay/
            upstream_ca = upstream-ca.pem
            upstream_proxy = socks5h://127.0.0.1:9050
            forward_interval = 60
            """)
        #expect(config.role == .edge)
        #expect(config.upstream?.url("/v1/bundle") == "https://home.example.org:8443/relay/v1/bundle")
        #expect(config.upstream?.authority == "home.example.org:8443")
        #expect(config.upstreamProxy == (try SOCKSProxy(parsing: "socks5h://127.0.0.1:9050")))
        #expect(config.forwardIntervalSeconds == 60)
    }

    @Test("a relay forwards every 300 seconds unless told otherwise, and is a home")
    func defaults() throws {
        let config = try load("")
        #expect(config.role == .home && config.forwardIntervalSeconds == 300 && config.edges.isEmpty)
    }

    @Test("an edge without an upstream is refused with a clear error")
    func edgeNeedsUpstream() {
        #expect(refusal("role = edge").contains("role = edge needs upstream"))
    }

    @Test("a home with upstream settings is refused")
    func homeHasNoUpstream() {
        #expect(refusal("upstream = https://home.example.org").contains("are for role = edge"))
    }

    @Test("an unknown role is refused")
    func unknownRole() {
        #expect(refusal("role = hub").contains("role must be home or edge"))
    }

    @Test("a plain-http upstream is refused unless it is an onion address reached through a proxy")
    func plainHTTPOnlyForOnion() throws {
        #expect(refusal("role = edge\nupstream = http://home.example.org").contains("must be https://"))
        #expect(refusal("role = edge\nupstream = http://abc.onion").contains("upstream_proxy"))
        let onion = try load("role = edge\nupstream = http://abc.onion\nupstream_proxy = socks5h://127.0.0.1:9050")
        #expect(onion.upstream?.url("/v1/bundle") == "http://abc.onion/v1/bundle")
    }

    @Test("upstream_proxy takes socks5h://HOST:PORT and refuses anything else")
    func proxyShapes() {
        for bad in ["http://127.0.0.1:8080", "socks5h://127.0.0.1", "socks4://127.0.0.1:9050", "socks5h://127.0.0.1:9050/x"] {
            #expect(refusal("role = edge\nupstream = https://h.example\nupstream_proxy = \(bad)").contains("upstream_proxy"), "\(bad)")
        }
    }

    @Test("upstream URLs with credentials, a query or a fragment are refused")
    func upstreamShapes() {
        for bad in ["https://user:pw@h.example", "https://h.example/?a=1", "https://h.example/#x", "ftp://h.example", "https://"] {
            #expect(refusal("role = edge\nupstream = \(bad)").contains("upstream"), "\(bad)")
        }
    }

    @Test("forward_interval outside 1 second to a day is refused")
    func intervalBounds() {
        #expect(refusal("forward_interval = 0").contains("forward_interval"))
        #expect(refusal("forward_interval = 86401").contains("forward_interval"))
    }

    @Test("the written config of an edge loads back the same")
    func renderedRoundTrip() throws {
        var config = try load("role = edge\nupstream = https://h.example:8443\nforward_interval = 42")
        config.edges = ["edges/a.relay.pub"]
        let again = try load(config.rendered())
        #expect(again.role == .edge && again.upstream == config.upstream && again.forwardIntervalSeconds == 42)
        #expect(again.edges == ["edges/a.relay.pub"])
    }

    @Test("rounds come every interval give or take half of it, and backoff doubles up to four intervals")
    func forwardingDelays() {
        for _ in 0..<200 {
            let d = Forwarder.delay(intervalSeconds: 300, failures: 0)
            #expect(d >= .seconds(150) && d <= .seconds(450))
        }
        let first = Forwarder.delay(intervalSeconds: 300, failures: 1)
        #expect(first >= .seconds(15) && first <= .seconds(45))
        let fourth = Forwarder.delay(intervalSeconds: 300, failures: 4)
        #expect(fourth >= .seconds(120) && fourth <= .seconds(360))
        let late = Forwarder.delay(intervalSeconds: 300, failures: 50)
        #expect(late >= .seconds(600) && late <= .seconds(1800))
    }
}
