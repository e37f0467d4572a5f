import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import SealAPI
import SealCore
import SealTestSupport
import ServiceLifecycle
import Testing
@testable import SealRelay

/// A real relay on ephemeral loopback ports with real TLS, its keys, and an HTTPS client
/// that trusts exactly its self-signed certificate.
final class TestRelay: @unchecked Sendable {
    let dir: String
    let org: SigningKey
    let reviewers: [ReviewerIdentity]
    let credentials: [SigningKey]
    /// With `epochs: true`, each reviewer's epochs file holding one key, for the current
    /// month, which the (v2) bundle lists.
    let epochSecrets: [EpochSecretFile]
    let epochKeys: [EpochPublicKey]
    var relay: Relay!
    var tlsPort = 0
    var adminPort = 0
    var onionPort = 0
    let client: HTTPClient
    let logs = LogCapture()
    private var group: ServiceGroup?
    private var task: Task<Void, any Error>?
    /// The spool's disk calls; a test may make them slow or failing.
    let disk: SpoolDisk
    /// With PostgreSQL, the server and the database this relay's envelopes live in.
    private(set) var database: (server: PostgresServer, name: String)?

    /// A relay on `storage`: with PostgreSQL, on a new database of `server` (the shared one
    /// unless given), written into relay.conf so that a daemon handed over keeps it.
    init(epochs: Bool = false, storage: StorageBackend = .underTest, server: PostgresServer? = nil, disk: SpoolDisk = .standard,
         configure: (inout RelayConfig) -> Void = { _ in }) async throws {
        self.disk = disk
        dir = NSTemporaryDirectory() + "sealrelay-test-" + UUID().uuidString
        try FileSystem.makePrivateDirectory(dir)
        org = try SigningKey.generate(.organisation)
        reviewers = try ["alice", "bob"].map { try ReviewerIdentity.generate(name: $0) }
        credentials = try ["alice", "bob"].map { try SigningKey.generate(.fetchCredential(name: $0)) }
        let made = epochs ? try ["alice", "bob"].map {
            try EpochSecretFile.empty(name: $0).adding(months: [EpochMonth.containing(Date())], passphrase: nil)
        } : []
        epochSecrets = made.map(\.file)
        epochKeys = made.flatMap(\.publicKeys)
        let bundle = try RecipientBundle.sign(organisation: org, reviewers: reviewers.map(\.publicKey),
                                              relays: ["https://127.0.0.1"], counter: 1, validDays: 10, epochs: epochKeys)
        try AtomicFile.write(bundle, to: "\(dir)/bundle.json")
        var credentialPaths: [String] = []
        for c in credentials {
            let path = "\(dir)/\(UUID().uuidString).fetch.pub"
            try AtomicFile.write(c.encodedPublic(), to: path)
            credentialPaths.append(path)
        }
        let configPath = try RelaySetup.initialise(.init(
            directory: "\(dir)/state", bundlePath: "\(dir)/bundle.json", credentialPaths: credentialPaths,
            listen: HostPort(host: "127.0.0.1", port: 0), hostname: "127.0.0.1",
            adminListen: HostPort(host: "127.0.0.1", port: 0)))
        // Proof of work at two bits, so the many writes of these tests cost nothing; the
        // proof-of-work tests set their own. The daemon tests inherit it through the file.
        var written = try String(contentsOfFile: configPath, encoding: .utf8)
            .replacingOccurrences(of: "\npow_bits = 10\n", with: "\npow_bits = 2\n")
        if storage == .postgresql {
            let server = try server ?? SharedPostgres.server()
            let name = try await server.createDatabase()
            database = (server, name)
            written = written.replacingOccurrences(of: "\nstorage = file\n", with: "\nstorage = \(server.url(name))\n")
                .replacingOccurrences(of: "\n# storage_password_file = db.password\n",
                                      with: "\nstorage_password_file = \(server.passwordFile)\n")
        }
        try written.write(toFile: configPath, atomically: true, encoding: .utf8)
        var config = try RelayConfig.load(path: configPath)
        configure(&config)
        let cert = try NIOSSLCertificate.fromPEMFile("\(dir)/state/tls/cert.pem")
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(cert)
        var clientConfig = HTTPClient.Configuration(tlsConfiguration: tls)
        // Generous: suites run in parallel on a loaded machine, where a TLS handshake with a
        // debug-build relay has taken over 5 s (CI). No test measures time through it.
        clientConfig.timeout = .init(connect: .seconds(30), read: .seconds(60))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfig)
        try await start(config)
    }

    func start(_ config: RelayConfig) async throws {
        var logger = Logger(label: "relay") { [logs] label in logs.handler(label: label) }
        logger.logLevel = .trace
        relay = try Relay(config: config, logger: logger, disk: disk)
        let (ports, continuation) = AsyncStream<(Relay.Listener, Int)>.makeStream()
        let group = ServiceGroup(configuration: .init(
            services: try relay.services { continuation.yield(($0, $1)) }.map { .init(service: $0) },
            gracefulShutdownSignals: [], logger: logger))
        self.group = group
        task = Task { try await group.run() }
        var needed: Set<Relay.Listener> = config.onionListen == nil ? [.tls, .admin] : [.tls, .admin, .onion]
        for await (listener, port) in ports {
            switch listener {
            case .tls: tlsPort = port
            case .admin: adminPort = port
            case .onion: onionPort = port
            }
            needed.remove(listener)
            if needed.isEmpty { break }
        }
    }

    func stop() async {
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
        group = nil
    }

    func restart(configure: (inout RelayConfig) -> Void = { _ in }) async throws {
        await stop()
        var config = relay.config
        config.listen.port = 0
        config.adminListen.port = 0
        configure(&config)
        try await start(config)
    }

    deinit {
        // A test that did not stop its relay still gives back its listeners and connections.
        if let group { Task { await group.triggerGracefulShutdown() } }
        try? client.syncShutdown()
        try? FileManager.default.removeItem(atPath: dir)
    }

    var base: String { "https://127.0.0.1:\(tlsPort)" }
    var stateDirectory: String { "\(dir)/state" }

    // MARK: requests

    struct Reply {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: [UInt8]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
    }

    /// A request as a client sends it; an anonymous write (`POST /v1/reports`, `POST
    /// /v1/uploads`) carries a freshly solved proof-of-work token unless `headers` has one
    /// or the test says not to pay.
    func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
                 base: String? = nil, paying: Bool = true) async throws -> Reply {
        var request = HTTPClientRequest(url: (base ?? self.base) + path)
        request.method = method
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if paying, method == .POST, ["/v1/reports", "/v1/uploads"].contains(path),
           !headers.contains(where: { $0.0 == RelayHeader.proofOfWork }) {
            request.headers.add(name: RelayHeader.proofOfWork, value: try await proofOfWork(base: base))
        }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: response.status, headers: response.headers, body: Array(collected.readableBytesView))
    }

    /// The admin listener's `/metrics` text as a scraper sees it now.
    func metricsText() async throws -> String {
        String(decoding: try await request(.GET, "/metrics", base: "http://127.0.0.1:\(adminPort)").body, as: UTF8.self)
    }

    /// `/metrics` just after the hourly publication (`MetricsPublisher`) has run.
    func publishedMetrics() async throws -> String {
        await MetricsPublisher(metrics: relay.metrics, spool: relay.store).publish()
        return try await metricsText()
    }

    /// A `Seal-PoW` header value: the relay's current challenge, solved as a client would.
    func proofOfWork(base: String? = nil) async throws -> String {
        let offer = try await request(.GET, "/v1/pow", base: base)
        let challenge = try #require(try JSONDecoder().decode(PoWOffer.self, from: Data(offer.body)).parsedChallenge)
        for n in UInt64(0)... {
            let token = PoWToken(challenge: challenge, nonce: ProofOfWork.nonce(n))
            if token.isSolved { return token.header }
        }
        preconditionFailure("a 64-bit nonce space without a solution")
    }

    /// A request signed with reviewer `index`'s fetch credential.
    func signed(_ method: HTTPMethod, _ path: String, reviewer index: Int = 0, body: [UInt8]? = nil,
                now: Date = Date()) async throws -> Reply {
        try await request(method, path, body: body,
                          headers: signatureHeaders(method, path, key: credentials[index], body: body, now: now))
    }

    /// The headers that sign a request (RFC 9421) as the CLI does: over method, authority
    /// (the Host this client sends), path and, with a body, its Content-Digest.
    func signatureHeaders(_ method: HTTPMethod, _ path: String, key: SigningKey, body: [UInt8]? = nil,
                          authority: String? = nil, keyID: String? = nil, now: Date = Date()) throws -> [(String, String)] {
        let digest = body.map { ContentDigest.header(sha256: SHA256.hash(data: $0)) }
        let parts = SignedRequest(method: method.rawValue, authority: authority ?? "127.0.0.1:\(tlsPort)", path: path,
                                  contentDigest: digest)
        let (input, signature) = try HTTPMessageSignature.sign(parts, with: key, keyID: keyID, now: now)
        return [("Signature-Input", input), ("Signature", signature)] + (digest.map { [("Content-Digest", $0)] } ?? [])
    }

    /// A real report envelope to the bundle's reviewers (or to `to`).
    func envelope(message: String = "wages withheld", to: [ReviewerPublicKey]? = nil, suite: EnvelopeSuite = .xwing,
                  attachments: [SealCore.Attachment] = []) throws -> [UInt8] {
        let path = "\(dir)/\(UUID().uuidString).seal"
        defer { unlink(path) }
        var writer = try ReportWriter(kind: .report, message: message, attachments: attachments, reply: nil, thread: nil)
        let out = try AtomicFile(path: path)
        try writer.seal(to: (to ?? reviewers.map(\.publicKey)).map(EnvelopeRecipient.init(reviewer:)),
                        suite: suite, bundleID: relay.bundle.id, into: out)
        try out.commit()
        return try InputFile.readAll(path: path, limit: 1 << 30)
    }

    /// The reports the relay keeps, named as the file spool names its files: `ID.seal` for
    /// an envelope, `ID.receipt` for its signed receipt. On PostgreSQL they are read from the
    /// `envelopes` table, so that a test says once what both backends must keep.
    func kept() async throws -> [String] {
        guard database != nil else {
            return ((try? FileManager.default.contentsOfDirectory(atPath: "\(stateDirectory)/spool/envelopes")) ?? []).sorted()
        }
        return try await rows("SELECT id, receipt IS NOT NULL FROM envelopes WHERE mailbox IS NULL").flatMap { row in
            row[1] == "t" ? ["\(row[0]).receipt", "\(row[0]).seal"] : ["\(row[0]).seal"]
        }.sorted()
    }

    /// The bytes each chunked upload in progress holds: its partial file in `spool/incoming`,
    /// or its row in the database's `uploads` table.
    func uploadsInProgress() async throws -> [Int] {
        guard database != nil else {
            let incoming = "\(stateDirectory)/spool/incoming"
            return ((try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? []).compactMap {
                try? FileManager.default.attributesOfItem(atPath: "\(incoming)/\($0)")[.size] as? Int
            }
        }
        return try await rows("SELECT size FROM uploads").compactMap { Int($0[0]) }
    }

    /// `sql`'s rows from this relay's database, by psql; none before the relay first used it
    /// (the schema is made then).
    func rows(_ sql: String) async throws -> [[Substring]] {
        guard let (server, name) = database else { return [] }
        let made = try await server.client("psql", ["-At", "-c", "SELECT to_regclass('sealrelay_schema') IS NOT NULL", name])
        guard made.hasPrefix("t") else { return [] }
        return try await server.client("psql", ["-At", "-F", " ", "-c", sql, name]).split(separator: "\n").map { $0.split(separator: " ") }
    }
}

/// Collects every log line the relay writes, to search them for things that must not be there.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var all: String { lock.withLock { lines.joined(separator: "\n") } }

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    func handler(label: String) -> any LogHandler { Handler(label: label, capture: self) }

    struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.append("\(event.level) \(label): \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}
