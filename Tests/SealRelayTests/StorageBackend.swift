import Foundation
import SealTestSupport
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// The two places a relay keeps envelopes (docs/ARCHITECTURE.md "Storage"). The relay suite
/// runs once on each: `SEAL_TEST_STORAGE=postgresql` puts every `TestRelay` (and every
/// daemon handed over from one) on a database of the shared server; `make test` runs both.
enum StorageBackend: String, Sendable {
    case file
    case postgresql

    /// The backend of this test run.
    static let underTest: StorageBackend = {
        guard let name = ProcessInfo.processInfo.environment["SEAL_TEST_STORAGE"] else { return .file }
        guard let backend = StorageBackend(rawValue: name) else {
            preconditionFailure("SEAL_TEST_STORAGE is file or postgresql, not \(name)")
        }
        return backend
    }()
}

extension Trait where Self == ConditionTrait {
    /// A behaviour of the file spool itself (its files, its fsyncs, its disk), which the
    /// database backend does not have; the PostgreSQL run skips it and says why.
    static func fileSpoolOnly(_ why: Comment) -> Self {
        .enabled(if: StorageBackend.underTest == .file, why)
    }
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

