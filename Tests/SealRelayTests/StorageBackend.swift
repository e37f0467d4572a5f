import Foundation
import SealTestSupport
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// The two places a relay keeps envelopes (docs/ARCHITECTURE.md "Storage"); tests of behaviour both must show
/// take one as an argument.
enum StorageBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file
    case postgresql

    var testDescription: String { rawValue }
}

/// One PostgreSQL server for the whole test process (each test gets its own database on
/// it), started on first use and stopped when the process exits.
enum SharedPostgres {
    nonisolated(unsafe) private static var started: PostgresServer?
    private static let lock = NSLock()

    static func server() throws -> PostgresServer {
        try lock.withLock {
            if let started { return started }
            let server = try PostgresServer()
            started = server
            atexit { try? SharedPostgres.started?.stop() }
            return server
        }
    }
}

extension TestRelay {
    /// A relay on `backend`; with PostgreSQL, on a new database of `server` (the shared one
    /// unless given).
    static func on(_ backend: StorageBackend, server: PostgresServer? = nil,
                   configure: @escaping (inout RelayConfig) -> Void = { _ in }) async throws -> TestRelay {
        switch backend {
        case .file:
            return try await TestRelay(configure: configure)
        case .postgresql:
            let server = try server ?? SharedPostgres.server()
            let location = try StorageLocation(parsing: server.url(try server.createDatabase()))
            return try await TestRelay { config in
                config.storage = location
                config.storagePasswordFile = server.passwordFile
                configure(&config)
            }
        }
    }

    /// The database this relay uses, by name.
    var databaseName: String? {
        guard case .postgresql(let location) = relay.config.storage else { return nil }
        return location.database
    }
}
