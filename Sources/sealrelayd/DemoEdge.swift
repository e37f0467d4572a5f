import Foundation
import SealCore
import SealRelay
import Synchronization

/// The edge relay of `sealrelayd demo --with-edge` (docs/ARCHITECTURE.md "Relay network"):
/// made with the same steps an operator takes (`init --role edge`, `edge allow` at the home),
/// sharing the home's self-signed certificate, forwarding every 10 s or so.
enum DemoEdge {
    static let forwardInterval = 10

    static func make(in dir: String, home: String, homeURL: String, listen: HostPort) throws -> RelayConfig {
        let tls = "\(dir)/relay/tls"
        let path = try RelaySetup.initialise(.init(
            directory: "\(dir)/edge", bundlePath: "\(dir)/bundle.json", credentialPaths: [], listen: listen, hostname: listen.host,
            certificatePath: "\(tls)/cert.pem", keyPath: "\(tls)/key.pem",
            adminListen: HostPort(host: listen.host, port: listen.port + 1),
            role: .edge, upstream: try UpstreamEndpoint(parsing: homeURL), upstreamCAPath: "\(tls)/cert.pem"))
        var config = try RelayConfig.load(path: path)
        config.forwardIntervalSeconds = forwardInterval
        try AtomicFile.write(Array(config.rendered().utf8), to: path, mode: 0o600, replaceExisting: true)
        try EdgeAllowList.allow(configPath: home, publicKeyPath: "\(dir)/edge/relay.pub")
        return try RelayConfig.load(path: path)
    }

    static func banner(seal: String, fingerprint: String, dir: String, edgeURL: String) -> String {
        """
          # through the edge relay on \(edgeURL): the bundle lists the edge first, then the home
          \(seal) submit --relay \(edgeURL) --bundle \(dir)/bundle.json --org-fingerprint \(fingerprint) \\
              --ca \(dir)/relay/tls/cert.pem --message "Sent through the edge."
          # the edge forwards every \(forwardInterval) s (plus or minus half); fetch again after that
        """
    }

    /// Counts the relays' TLS listeners coming up; true for the last one.
    final class Countdown: Sendable {
        private let left: Mutex<Int>
        init(_ count: Int) { left = Mutex(count) }
        func tick() -> Bool { left.withLock { $0 -= 1; return $0 == 0 } }
    }
}
