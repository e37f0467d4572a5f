import ArgumentParser
import Foundation
import SealCore
import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// `sealrelayd demo`: a complete relay with demo keys in a temporary directory, on
/// https://127.0.0.1:PORT, and the exact commands to try against it.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a relay with demo keys and print what to try.")

    @Option(help: "HOST:PORT for the demo relay; its admin listener takes the next port.")
    var listen: String = "127.0.0.1:8443"

    @Flag(help: "Also run an edge relay (the two ports after the home's) that forwards to the demo relay every 10 s or so.")
    var withEdge = false

    func run() async throws {
        guard let address = HostPort(listen), address.isLoopback, address.port > 0, address.port < 65535 else {
            throw ValidationError("--listen must be a loopback HOST:PORT, such as 127.0.0.1:8443")
        }
        let port = address.port
        let dir = NSTemporaryDirectory() + "sealrelay-demo-" + Hex.encode(SecureBytes.random(count: 4).withUnsafeBytes { Array($0) })
        try FileSystem.makePrivateDirectory(dir)
        let org = try SigningKey.generate(.organisation)
        try AtomicFile.write(org.encoded(passphrase: nil), to: "\(dir)/org.seckey", mode: 0o600)
        try AtomicFile.write(org.encodedPublic(), to: "\(dir)/org.pub")
        var reviewers: [ReviewerPublicKey] = []
        var credentials: [String] = []
        for name in ["alice", "bob"] {
            let identity = try ReviewerIdentity.generate(name: name)
            try AtomicFile.write(identity.encoded(passphrase: nil), to: "\(dir)/\(name).seckey", mode: 0o600)
            try AtomicFile.write(identity.publicKey.encoded(), to: "\(dir)/\(name).pub")
            reviewers.append(identity.publicKey)
            let credential = try SigningKey.generate(.fetchCredential(name: name))
            try AtomicFile.write(credential.encoded(passphrase: nil), to: "\(dir)/\(name).fetch.seckey", mode: 0o600)
            try AtomicFile.write(credential.encodedPublic(), to: "\(dir)/\(name).fetch.pub")
            credentials.append("\(dir)/\(name).fetch.pub")
        }
        let url = "https://\(address)"
        let edgeAddress = HostPort(host: address.host, port: port + 2)
        let edgeURL = "https://\(edgeAddress)"
        let bundle = try RecipientBundle.sign(organisation: org, reviewers: reviewers, relays: withEdge ? [edgeURL, url] : [url],
                                              counter: Int(Date().timeIntervalSince1970), validDays: 30)
        try AtomicFile.write(bundle, to: "\(dir)/bundle.json")
        let config = try RelaySetup.initialise(.init(
            directory: "\(dir)/relay", bundlePath: "\(dir)/bundle.json", credentialPaths: credentials,
            listen: address, hostname: address.host,
            adminListen: HostPort(host: address.host, port: port + 1)))
        // The edge first: allowing it adds a line to the home's config.
        let edge = withEdge ? try DemoEdge.make(in: dir, home: config, homeURL: url, listen: edgeAddress) : nil
        let configs = [try RelayConfig.load(path: config)] + (edge.map { [$0] } ?? [])

        let seal = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("seal").path
        let fp = org.fingerprint.hex
        let banner = """
        SealRelay demo relay on \(url)   (everything lives in \(dir); demo keys have NO passphrase)
        organisation fingerprint: \(fp)

        Try, in another terminal:
          # a source submits a report (the relay's certificate is self-signed, hence --ca)
          \(seal) submit --relay \(url) --org-fingerprint \(fp) --ca \(dir)/relay/tls/cert.pem \\
              --message "We have not been paid since March." --codename-file \(dir)/codename.txt
          # alice's online machine pulls the ciphertext
          \(seal) fetch --relay \(url) --credential \(dir)/alice.fetch.seckey --ca \(dir)/relay/tls/cert.pem --out \(dir)/inbox
          # alice's air-gapped machine opens it
          \(seal) open --key \(dir)/alice.seckey --out \(dir)/opened \(dir)/inbox
          # or submit from the browser page (accept the self-signed certificate; the page shows
          # the fingerprint above, which a source compares with the one published elsewhere)
          #   \(url)/
          # counts only, on the loopback admin listener
          curl -s http://127.0.0.1:\(port + 1)/metrics
        \(withEdge ? DemoEdge.banner(seal: seal, fingerprint: fp, dir: dir, edgeURL: edgeURL) : "")

        Ctrl-C stops the relay.
        """
        let relayConfig = configs[0]
        let logger = RelayLogging.bootstrap(level: relayConfig.logLevel)
        let listening = DemoEdge.Countdown(configs.count)
        do {
            // The instructions are printed once the relays are listening, never before a
            // bind that may fail.
            try await RelayRunner.run(configs: configs, logger: logger) { _, listener, _ in
                guard listener == .tls, listening.tick() else { return }
                print(banner)
                fflush(nil)
            }
        } catch where BindFailure.isAddressInUse(error) {
            // Nothing ran: the demo's keys have no use.
            try? FileManager.default.removeItem(atPath: dir)
            let taken = (configs.flatMap { [$0.listen, $0.adminListen] }).first { !Self.isFree($0) } ?? address
            throw ConfigError("\(taken) is already in use (another relay or demo?); choose another address with --listen 127.0.0.1:PORT")
        }
    }

    /// Whether a TCP listener could bind `address` now; only to name which one was taken.
    static func isFree(_ address: HostPort) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(truncatingIfNeeded: address.port).bigEndian)
        sin.sin_addr.s_addr = inet_addr(address.host)
        return withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
