import ArgumentParser
import CommandLineExit
import Foundation
import Logging
import SealCore
import SealRelay
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `sealrelayd`: the relay daemon (README.md). Exit status 0, 1 with one line on stderr for
/// an operator error, 2 for usage errors.
@main
struct SealRelayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealrelayd",
        abstract: "The SealRelay relay: accepts encrypted reports, keeps nothing about senders.",
        subcommands: [Init.self, Run.self, Migrate.self, Demo.self, Page.self, EdgeCommand.self])

    static func main() async {
        await runAndExit(name: "sealrelayd")
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a relay state directory.")

    @Option(help: "State directory to create.") var dir: String
    @Option(help: "The organisation-signed recipient bundle.") var bundle: String
    @Option(name: .customLong("reviewer-credential"), help: "A reviewer's NAME.fetch.pub (repeatable).")
    var credentials: [String] = []
    @Option(help: "Public HTTPS listener.") var listen: String = "0.0.0.0:8443"
    @Option(help: "Host name for the self-signed certificate.") var hostname: String = "localhost"
    @Option(help: "Existing TLS certificate (PEM), e.g. from Let's Encrypt.") var tlsCertificate: String?
    @Option(help: "Existing TLS private key (PEM).") var tlsKey: String?
    @Option(help: "Plain-HTTP loopback listener for a Tor onion service.") var onionListen: String?
    @Option(help: "home (reviewers pull from it) or edge (forwards upstream).") var role: String = "home"
    @Option(help: "An edge's upstream relay, https://HOST[:PORT].") var upstream: String?
    @Option(help: "The CA (PEM) the upstream's certificate must chain to.") var upstreamCa: String?
    @Option(help: "file (default), or postgresql://USER@HOST:PORT/DB (Deploy/postgresql.md).") var storage: String = "file"
    @Option(help: "The database password, one line (with --storage postgresql://…).") var storagePasswordFile: String?

    func run() throws {
        guard let hp = HostPort(listen) else { throw ValidationError("--listen must be HOST:PORT") }
        var onion: HostPort?
        if let onionListen {
            guard let o = HostPort(onionListen) else { throw ValidationError("--onion-listen must be HOST:PORT") }
            onion = o
        }
        guard let relayRole = RelayRole(rawValue: role) else { throw ValidationError("--role must be home or edge") }
        let path = try RelaySetup.initialise(.init(
            directory: dir, bundlePath: bundle, credentialPaths: credentials, listen: hp, hostname: hostname,
            certificatePath: tlsCertificate, keyPath: tlsKey, onionListen: onion,
            role: relayRole, upstream: try upstream.map(UpstreamEndpoint.init(parsing:)), upstreamCAPath: upstreamCa,
            storage: try StorageLocation(parsing: storage), storagePasswordFile: storagePasswordFile))
        print("wrote \(path)")
        print("start it with: sealrelayd run --config \(path)")
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve, until SIGTERM or SIGINT.")

    @Option(help: "The relay.conf written by init.") var config: String

    func run() async throws {
        let relayConfig = try RelayConfig.load(path: config)
        // Held until the process ends: `migrate` refuses a relay that runs.
        let lock = try RunLock(stateDirectory: relayConfig.directory)
        defer { withExtendedLifetime(lock) {} }
        let logger = RelayLogging.bootstrap(level: relayConfig.logLevel)
        try await RelayRunner.run(config: relayConfig, logger: logger) { listener, port in
            if listener == .tls { logger.notice("relay listening", metadata: ["port": "\(port)"]) }
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a stopped relay's file spool into PostgreSQL and point relay.conf at it (Deploy/postgresql.md).")

    @Option(help: "The relay.conf of the stopped relay.") var config: String
    @Option(help: "postgresql://USER@HOST:PORT/DB") var to: String
    @Option(help: "The database password, one line.") var storagePasswordFile: String

    func run() async throws {
        var relayConfig = try RelayConfig.load(path: config)
        guard case .postgresql(let location) = try StorageLocation(parsing: to) else {
            throw ValidationError("--to must be postgresql://USER@HOST:PORT/DB")
        }
        let lock = try RunLock(stateDirectory: relayConfig.directory)
        defer { withExtendedLifetime(lock) {} }
        let logger = RelayLogging.bootstrap(level: relayConfig.logLevel)
        let passwordFile = URL(fileURLWithPath: storagePasswordFile).standardizedFileURL.path
        let moved = try await SpoolMigration.run(config: relayConfig, to: location, passwordFile: passwordFile, logger: logger)
        relayConfig.storage = .postgresql(location)
        relayConfig.storagePasswordFile = passwordFile
        try AtomicFile.write(Array(relayConfig.rendered().utf8), to: config, mode: 0o600, replaceExisting: true)
        print("moved \(moved.envelopes) envelopes (\(moved.bytes) bytes) and \(moved.acknowledged) acknowledged ids to \(relayConfig.storage)"
              + (moved.alreadyThere > 0 ? "; \(moved.alreadyThere) were there already" : ""))
        print("\(config) now uses the database; the spool directory is untouched: remove its envelopes once the relay runs")
    }
}

enum RelayLogging {
    /// stderr (the journal under systemd). Nothing the relay logs names a client, a header
    /// or a request time; the log line's own timestamp is the journal's.
    static func bootstrap(level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .notice
        LoggingSystem.bootstrap { label in PlainLogHandler(label: label, logLevel: parsed) }
        var logger = Logger(label: "sealrelayd")
        logger.logLevel = parsed
        return logger
    }
}

enum RelayRunner {
    static func run(config: RelayConfig, logger: Logger,
                    onListening: @escaping @Sendable (Relay.Listener, Int) async -> Void) async throws {
        if config.role == .edge { await BundleRefresh.atStart(config: config, logger: logger) }
        try await run(configs: [config], logger: logger) { _, listener, port in await onListening(listener, port) }
    }

    /// Several relays in one service group (`sealrelayd demo --with-edge`); `onListening`
    /// is told which relay (its index in `configs`) bound which port.
    static func run(configs: [RelayConfig], logger: Logger,
                    onListening: @escaping @Sendable (Int, Relay.Listener, Int) async -> Void) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for (index, config) in configs.enumerated() {
            let relay = try Relay(config: config, logger: logger)
            services += try relay.services { listener, port in await onListening(index, listener, port) }.map { .init(service: $0) }
        }
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // In-flight uploads get this long to finish; an unfinished one is never queued.
        configuration.maximumGracefulShutdownDuration = .seconds(20)
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// One line per event, without a timestamp of its own: the journal adds one, and the relay
/// writes no other times.
struct PlainLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        FileHandle.standardError.write(Data("\(event.level) \(label): \(event.message)\(extra)\n".utf8))
    }
}
