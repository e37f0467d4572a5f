import ArgumentParser
import Foundation

/// Where the relay is and how to reach it: shared by `submit` and `fetch`.
struct RelayOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The relay's address, https://HOST[:PORT].",
        discussion: """
            http:// is accepted only for 127.0.0.1, ::1, localhost and .onion addresses (a Tor onion service \
            encrypts end to end). submit and check may leave it out: they then use the relays of --bundle, or of \
            the last bundle seal verified for the organisation.
            """))
    var relay: String?

    @Option(help: ArgumentHelp(
        "Trust exactly this certificate or CA (PEM) for the relays, instead of the system's CAs.",
        discussion: "For a relay with a self-signed certificate: get the PEM file from the operator over a channel you trust."))
    var ca: String?

    @Option(help: ArgumentHelp(
        "Connect through a SOCKS5 proxy, e.g. socks5h://127.0.0.1:9050 for Tor.",
        discussion: "socks5h:// and socks5:// are accepted; with both, the relay's host name is resolved by the proxy, never locally."))
    var proxy: String?

    func validate() throws {
        do {
            if let proxy { _ = try RelayProxy(parsing: proxy) }
            if let relay, try RelayEndpoint(parsing: relay).scheme == .http, ca != nil {
                throw CLIError("--ca applies only to https:// relays")
            }
        } catch let error as CLIError {
            throw ValidationError(error.description)
        }
    }

    /// For commands that talk to one relay (fetch, push-replies): `--relay` is required there.
    func requireRelay() throws {
        if relay == nil { throw ValidationError("--relay is required") }
    }

    func endpoint() throws -> RelayEndpoint {
        guard let relay else { throw CLIError("--relay is required") }
        return try RelayEndpoint(parsing: relay)
    }
    func proxySetting() throws -> RelayProxy? { try proxy.map { try RelayProxy(parsing: $0) } }
}
