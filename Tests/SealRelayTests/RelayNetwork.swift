import Foundation
import NIOHTTP1
import SealAPI
import SealCore
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// A home relay and its edge relays (one unless asked for more) as real `sealrelayd`
/// processes on loopback (docs/ARCHITECTURE.md "Relay network"), set up with the real
/// commands: `sealrelayd init --role edge` for each edge and `sealrelayd edge allow` at the
/// home. All serve the same self-signed certificate (for 127.0.0.1), so the home's test
/// client trusts them all, and each edge pins it as its `upstream_ca`.
final class RelayNetwork: @unchecked Sendable {
    /// The home's keys, client and requests; its `tlsPort` follows the home daemon.
    let home: TestRelay
    let homeConfig: String
    /// Each edge's state directory, the first one's being `edgeDirectory`.
    let edgeDirectories: [String]
    private(set) var homeDaemon: RelayDaemon?
    private(set) var edgeDaemons: [RelayDaemon?]
    private(set) var edgePorts: [Int]

    /// The first edge, which most tests need alone.
    var edgeDirectory: String { edgeDirectories[0] }
    var edgeConfig: String { edgeConfig(0) }
    var edgeDaemon: RelayDaemon? { edgeDaemons[0] }
    var edgeBase: String { edgeBase(0) }
    func edgeConfig(_ index: Int) -> String { "\(edgeDirectories[index])/relay.conf" }
    func edgeBase(_ index: Int) -> String { "https://127.0.0.1:\(edgePorts[index])" }

    /// - Parameter edgeBundle: makes the bundle file the edges start with (the home's by default).
    init(forwardInterval: Int = 1, edges: Int = 1, edgeBundle: ((TestRelay) throws -> [UInt8])? = nil) async throws {
        home = try await TestRelay()
        homeConfig = try await home.handOverToDaemon()
        edgeDirectories = (0..<edges).map { [home] in $0 == 0 ? "\(home.dir)/edge" : "\(home.dir)/edge\($0 + 1)" }
        edgeDaemons = Array(repeating: nil, count: edges)
        edgePorts = Array(repeating: 0, count: edges)
        let tls = "\(home.stateDirectory)/tls"
        var bundlePath = "\(home.dir)/bundle.json"
        if let edgeBundle {
            bundlePath = "\(home.dir)/edge-bundle.json"
            try AtomicFile.write(try edgeBundle(home), to: bundlePath)
        }
        for directory in edgeDirectories {
            try Self.sealrelayd(["init", "--dir", directory, "--bundle", bundlePath,
                                 "--role", "edge", "--upstream", "https://127.0.0.1:1", "--upstream-ca", "\(tls)/cert.pem",
                                 "--tls-certificate", "\(tls)/cert.pem", "--tls-key", "\(tls)/key.pem",
                                 "--listen", "127.0.0.1:0", "--hostname", "127.0.0.1"])
            let config = "\(directory)/relay.conf"
            try Self.set(config, "admin_listen", "127.0.0.1:0")
            try Self.set(config, "pow_bits", "2")
            try Self.set(config, "forward_interval", "\(forwardInterval)")
            try Self.sealrelayd(["edge", "allow", "--config", homeConfig, "\(directory)/relay.pub"])
        }
    }

    /// Runs `sealrelayd ARGS` to completion; throws with its output unless it exits 0.
    @discardableResult
    static func sealrelayd(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try RelayDaemon.binary())
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ConfigError("sealrelayd \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(output)")
        }
        return output
    }

    /// Sets `key = value` in a config file, replacing the line that has the key.
    static func set(_ path: String, _ key: String, _ value: String) throws {
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        lines.removeAll { $0.hasPrefix("\(key) = ") }
        lines.append("\(key) = \(value)")
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Starts the home; after its first start it keeps its port, so an edge finds it again.
    func startHome() async throws {
        let daemon = try RelayDaemon(configPath: homeConfig)
        homeDaemon = daemon
        home.tlsPort = try await daemon.port()
        try Self.set(homeConfig, "listen", "127.0.0.1:\(home.tlsPort)")
    }

    func startEdge(_ index: Int = 0) async throws {
        try Self.set(edgeConfig(index), "upstream", "https://127.0.0.1:\(home.tlsPort)")
        let daemon = try RelayDaemon(configPath: edgeConfig(index))
        edgeDaemons[index] = daemon
        edgePorts[index] = try await daemon.port()
    }

    func stop(_ daemon: RelayDaemon?, signal: Int32 = SIGTERM) async throws {
        guard let daemon else { return }
        daemon.signal(signal)
        _ = try await daemon.exitStatus()
    }

    /// A source's report sent to an edge, with the edge's proof of work; returns the receipt.
    func submitToEdge(_ envelope: [UInt8], edge index: Int = 0) async throws -> String {
        let reply = try await home.request(.POST, "/v1/reports", body: envelope, base: edgeBase(index))
        guard reply.status == .accepted, let receipt = reply.json["receipt"] as? String else {
            throw ConfigError("the edge answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
        return receipt
    }

    /// A report with one attachment of `mebibytes` MiB, as TestRelay.envelope makes small ones.
    func largeEnvelope(mebibytes: Int) throws -> [UInt8] {
        let data = "\(home.dir)/large.bin"
        let path = "\(home.dir)/large.seal"
        defer {
            unlink(data)
            unlink(path)
        }
        try Data(repeating: 0x5A, count: mebibytes << 20).write(to: URL(fileURLWithPath: data))
        let attachment = Attachment(path: data, name: "shift.raw", type: "application/octet-stream", removed: [], unscrubbed: true)
        var writer = try ReportWriter(kind: .report, message: "the whole shift", attachments: [attachment], reply: nil, thread: nil)
        let out = try AtomicFile(path: path)
        try writer.seal(to: home.reviewers.map(\.publicKey).map(EnvelopeRecipient.init(reviewer:)), suite: .x25519,
                        bundleID: home.relay.bundle.id, into: out)
        try out.commit()
        return try InputFile.readAll(path: path, limit: 1 << 30)
    }

    /// Writes a bundle whose relays are a dead one (nothing listens on its port), then the
    /// first edge, as the home's organisation signs it; returns the dead relay's URL.
    func writeBundleWithDeadFirstRelay(to path: String) throws -> String {
        let dead = "https://127.0.0.1:\(try ConversationEndToEndTests.freePort())"
        let bundle = try RecipientBundle.sign(organisation: home.org, reviewers: home.reviewers.map(\.publicKey),
                                              relays: [dead, edgeBase], counter: 1, validDays: 10)
        try AtomicFile.write(bundle, to: path)
        return dead
    }

    /// The ids in the first reviewer's inbox at the home.
    func homeInbox() async throws -> [String] {
        let reply = try await home.signed(.GET, "/v1/inbox")
        return (reply.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    func spoolFiles(_ stateDirectory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(stateDirectory)/spool/envelopes")) ?? [])
            .filter { $0.hasSuffix(".seal") }
    }

    var edgeSpool: [String] { spoolFiles(edgeDirectory) }
    func edgeSpool(_ index: Int) -> [String] { spoolFiles(edgeDirectories[index]) }
    /// The home's envelopes, on whichever backend the home runs.
    func homeSpool() async throws -> [String] { try await home.kept().filter { $0.hasSuffix(".seal") } }

    /// The edge's relay key, to sign forwards by hand.
    func edgeKey() throws -> SigningKey { try RelayKey.load(stateDirectory: edgeDirectory) }

    /// `POST /v1/relay/envelopes` at the home, signed as an edge signs it.
    func forward(_ envelope: [UInt8], signedBy key: SigningKey, headers extra: [(String, String)]? = nil) async throws -> TestRelay.Reply {
        let path = "/v1/relay/envelopes"
        let headers = try extra ?? home.signatureHeaders(.POST, path, key: key, body: envelope,
                                                         keyID: HTTPMessageSignature.relayKeyID(key))
        return try await home.request(.POST, path, body: envelope, headers: headers)
    }

    /// Polls `condition` every 100 ms until it holds or `seconds` pass.
    func eventually(within seconds: Double = 30, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}
