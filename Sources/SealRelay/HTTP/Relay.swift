import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Prometheus
import SealCore
import ServiceLifecycle

/// The relay: its state (bundle, credentials, spool, TLS context) and the services that
/// serve it: the public TLS listener, an optional loopback listener for a Tor onion
/// service, the loopback admin listener, and the expiry sweeper.
public struct Relay: Sendable {
    public enum Listener: String, Sendable { case tls, onion, admin }

    public let config: RelayConfig
    /// The bundle served and checked against: fixed at a home, following the upstream at an edge.
    let currentBundle: CurrentBundle
    public var bundle: RecipientBundle { currentBundle.bundle }
    /// The spool directory: envelopes with `storage = file`, and with every backend the
    /// uploads still streaming in (`incoming/`).
    public let spool: Spool
    /// Where accepted envelopes live (docs/ARCHITECTURE.md "Storage"): `spool`, or the database.
    let store: any EnvelopeStore
    public let metrics = RelayMetrics()
    /// Every way in for envelopes commits through this one intake, so that uploads finishing
    /// together share their directory fsyncs.
    let intake: EnvelopeIntake
    /// Chunked report uploads in progress; shared by the public listeners and the sweeper.
    let uploads: ChunkedUploads
    let credentials: [String: ReviewerCredential]
    let tlsContext: NIOSSLContext
    /// Prices anonymous writes in proof of work.
    let pow: ProofOfWorkGate
    /// Signs receipts with the relay key and keeps them with queued reports.
    let receipts: ReceiptBook
    /// Nil when the page's files were not installed beside the executable.
    let web: WebRoutes?
    let logger: Logger

    public init(config: RelayConfig, logger: Logger) throws {
        try self.init(config: config, logger: logger, disk: .standard)
    }

    /// - Parameter disk: the spool's disk calls; tests make them slow or failing.
    init(config: RelayConfig, logger: Logger, disk: SpoolDisk) throws {
        try config.validate()
        try FileLimit.check(config)
        self.config = config
        self.logger = logger
        let bundleBytes = try InputFile.readAll(path: config.path(config.bundle), limit: 1 << 20)
        let bundle = try RecipientBundle.verifySelfSigned(bundleBytes)
        self.currentBundle = CurrentBundle(bundle)
        // The page pins this fingerprint; a relay serving a bundle the stated organisation did
        // not sign would only make every browser refuse it, so it is an error at start-up.
        let organisation = bundle.organisation.fingerprint
        if let stated = config.organisationFingerprint {
            guard let pinned = Fingerprint(hex: stated), pinned == organisation else {
                throw ConfigError("organisation_fingerprint in the config does not match the key that signed \(config.bundle)")
            }
        }
        self.web = try WebRoutes.installed(organisationFingerprint: organisation, decoys: config.decoys)
        if web == nil {
            logger.notice("submission page not installed: copy SealRelay_SealRelay.resources and SealRelay_SealCore.resources next to the sealrelayd executable; GET / answers 404 until then")
        }
        self.credentials = try ReviewerCredential.load(paths: config.credentials.map(config.path), bundle: bundle)
        self.tlsContext = try HardenedTLS.makeContext(certificatePath: config.path(config.tlsCertificate),
                                                      keyPath: config.path(config.tlsKey))
        self.spool = try Spool(directory: config.path(config.spool),
                               quotas: .init(maxEnvelopeBytes: config.maxEnvelopeBytes, maxSpoolBytes: config.maxSpoolBytes,
                                             maxEnvelopes: config.maxEnvelopes),
                               expiryDays: config.expiryDays, expiryJitterDays: config.expiryJitterDays,
                               syncDirectory: disk.syncDirectory)
        switch config.storage {
        case .file:
            self.store = spool
        case .postgresql(let location):
            let password = try PostgresSpool.password(from: config.path(config.storagePasswordFile ?? ""))
            self.store = PostgresSpool(location: location, password: password, quotas: spool.quotas,
                                       incomingDirectory: spool.incomingDirectory, expiryDays: config.expiryDays,
                                       expiryJitterDays: config.expiryJitterDays, logger: logger)
        }
        self.receipts = ReceiptBook(key: try RelayKey.load(stateDirectory: config.directory), directory: spool.envelopeDirectory)
        self.pow = ProofOfWorkGate(
            key: try ProofOfWorkKey.loadOrCreate(path: config.path("pow.key")),
            settings: .init(floorBits: config.powBits, maxBits: config.powMaxBits, calmRate: Double(config.powCalmRate),
                            lifetimeSeconds: config.powLifetimeSeconds),
            shared: Self.usedOnce(.challenges, in: store))
        self.intake = EnvelopeIntake(spool: store, threadPool: Self.commitPool, receipts: receipts, decoys: config.decoys, disk: disk)
        self.uploads = ChunkedUploads(
            table: UploadTable(capacity: config.maxUploads, idleTimeout: .seconds(config.uploadIdleTimeoutSeconds),
                               minimumBytesPerMinute: config.uploadMinBytesPerMinute),
            intake: intake, bundle: currentBundle)
    }

    /// The record of `table` every node shares, when the store is the database; nil with files.
    static func usedOnce(_ table: PostgresUsedOnce.Table, in store: any EnvelopeStore) -> (any UsedOnceRecord)? {
        (store as? PostgresSpool).map { PostgresUsedOnce(spool: $0, table: table) }
    }

    /// Where used signature nonces are kept: a file in the state directory (`name`) with file
    /// storage; in the database with PostgreSQL, so that every node refuses a replay.
    func nonceAuthenticator<Signer: RequestSigner>(credentials: [String: Signer], file name: String) throws -> RequestAuthenticator<Signer> {
        let shared = Self.usedOnce(.nonces, in: store)
        return try RequestAuthenticator(credentials: credentials, windowSeconds: config.signatureWindowSeconds,
                                        nonceFile: shared == nil ? config.path(name) : nil, shared: shared)
    }

    /// fsync blocks its thread for as long as the disk takes; commits get their own pool,
    /// wide enough for many uploads to wait on the disk at once (the disk batches them).
    static let commitPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    /// The router every public listener shares: routes grouped by caller, each group
    /// registered by its controller; reviewer routes behind the authentication middleware.
    func publicRouter(upstream: UpstreamClient? = nil) throws -> Router<RelayRequestContext> {
        let router = Router(context: RelayRequestContext.self)
        router.add(middleware: PrivacyHeaders())
        router.add(middleware: OfflinePageAccess())
        web?.addRoutes(to: router.group())
        let fileIO = FileIO()
        let api = router.group("v1")
        // Anonymous writes, each paid for with proof of work before its body is read.
        let paid = router.group("v1").add(middleware: ProofOfWorkCheck(gate: pow, metrics: metrics))
        ProofOfWorkController(gate: pow, spool: store, metrics: metrics).addRoutes(to: api)
        PublicController(bundle: currentBundle, intake: intake, metrics: metrics).addRoutes(to: api, paid: paid)
        UploadController(uploads: uploads, metrics: metrics).addRoutes(to: api, paid: paid)
        addMailboxRoutes(to: api, spool: store, fileIO: fileIO, upstream: upstream)
        let authenticator = try nonceAuthenticator(credentials: credentials, file: "nonces")
        ReviewerController(spool: store, metrics: metrics, fileIO: fileIO, intake: intake)
            .addRoutes(to: router.group("v1").add(middleware: ReviewerAuthentication(authenticator: authenticator, metrics: metrics)))
        try addRelayRoutes(to: router, intake: intake)
        return router
    }

    func adminRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        AdminController(metrics: metrics).addRoutes(to: router.group())
        return router
    }

    /// - Parameter onListening: told each listener's bound port (tests bind port 0).
    public func services(onListening: @escaping @Sendable (Listener, Int) async -> Void = { _, _ in }) throws -> [any Service] {
        let http1 = HTTP1Channel.Configuration(idleTimeout: .seconds(Int64(config.idleTimeoutSeconds)))
        let headDeadline = TimeAmount.seconds(Int64(config.requestHeadTimeoutSeconds))
        let upstream = try makeUpstream()
        let router = try publicRouter(upstream: upstream)
        func configuration(_ hp: HostPort, connections: Int) -> ApplicationConfiguration {
            ApplicationConfiguration(address: .hostname(hp.host, port: hp.port), serverName: nil,
                                     availableConnectionsDelegate: MaximumAvailableConnections(connections))
        }
        func announce(_ listener: Listener) -> @Sendable (any Channel) async -> Void {
            { channel in await onListening(listener, channel.localAddress?.port ?? 0) }
        }
        // The database's connections start first and so stop last, after the listeners drained.
        var services: [any Service] = (store as? PostgresSpool).map { [$0] } ?? []
        services += [
            Application(router: router, server: PublicListener.builder(tls: tlsContext, headDeadline: headDeadline, configuration: http1),
                        configuration: configuration(config.listen, connections: config.maxConnections),
                        onServerRunning: announce(.tls), logger: logger),
            Application(router: adminRouter(), server: .http1(configuration: http1),
                        configuration: configuration(config.adminListen, connections: 16),
                        onServerRunning: announce(.admin), logger: logger),
            SpoolSweeper(spool: store, metrics: metrics),
            MetricsPublisher(metrics: metrics, spool: store),
            UploadSweeper(uploads: uploads, interval: .seconds(min(15, config.uploadIdleTimeoutSeconds))),
        ]
        if let onion = config.onionListen {
            services.append(Application(router: router, server: PublicListener.builder(tls: nil, headDeadline: headDeadline, configuration: http1),
                                        configuration: configuration(onion, connections: config.maxConnections),
                                        onServerRunning: announce(.onion), logger: logger))
        }
        services += networkServices(upstream: upstream)
        return services
    }
}

/// Deletes envelopes past their expiry day, at start-up and then every hour.
struct SpoolSweeper: Service {
    let spool: any EnvelopeStore
    let metrics: RelayMetrics

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let removed = (try? await spool.expire(now: Date())) ?? 0
            if removed > 0 { metrics.countExpired(removed) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

/// Deletes chunked uploads left idle past `upload_idle_timeout_seconds` (a source whose
/// phone lost its connection for good) or falling behind `upload_min_bytes_per_minute` (a
/// flood holding slots), checking every fifteen seconds.
struct UploadSweeper: Service {
    let uploads: ChunkedUploads
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await uploads.expireIdle()
        }
    }
}
