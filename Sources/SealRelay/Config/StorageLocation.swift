import Foundation

/// Where the relay keeps what it accepted (docs/ARCHITECTURE.md "Storage"):
/// `storage = file` (the spool directory, the default) or
/// `storage = postgresql://USER@HOST:PORT/DB`, or `postgresql://USER@/DB?host=/run/postgresql`
/// for a Unix socket. The password is never in the URL: it is read from
/// `storage_password_file`, so relay.conf can be shown without handing out the database.
public enum StorageLocation: Sendable, Equatable, CustomStringConvertible {
    case file
    case postgresql(PostgresLocation)

    public struct PostgresLocation: Sendable, Equatable {
        public let user: String
        /// A TCP host, or nil for a Unix socket in `socketDirectory`.
        public let host: String?
        public let socketDirectory: String?
        public let port: Int
        public let database: String

        /// Where the socket file of a Unix-socket server is (libpq's naming).
        var socketPath: String? { socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } }
    }

    public init(parsing text: String) throws {
        if text == "file" {
            self = .file
            return
        }
        func fail(_ why: String) -> ConfigError {
            ConfigError("storage \(text): \(why) (expected file or postgresql://USER@HOST:PORT/DB)")
        }
        guard let c = URLComponents(string: text), c.scheme == "postgresql" || c.scheme == "postgres" else {
            throw fail("unknown storage")
        }
        guard let user = c.user, !user.isEmpty else { throw fail("no user") }
        guard c.password == nil else { throw fail("the password belongs in storage_password_file, never in the URL") }
        let database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw fail("no database name") }
        let socket = c.queryItems?.first(where: { $0.name == "host" })?.value
        guard (c.queryItems ?? []).allSatisfy({ $0.name == "host" }), c.fragment == nil else {
            throw fail("the only query parameter is host=SOCKET_DIRECTORY")
        }
        let host = c.host.flatMap { $0.isEmpty ? nil : $0 }
        guard (host == nil) != (socket == nil), socket.map({ $0.hasPrefix("/") }) ?? true else {
            throw fail("give a HOST, or an absolute socket directory as ?host=")
        }
        let port = c.port ?? 5432
        guard (1...65535).contains(port) else { throw fail("bad port") }
        self = .postgresql(PostgresLocation(user: user, host: host, socketDirectory: socket, port: port, database: database))
    }

    public var description: String {
        switch self {
        case .file: return "file"
        case .postgresql(let p):
            let at = p.host.map { "\($0.contains(":") ? "[\($0)]" : $0):\(p.port)" } ?? ":\(p.port)"
            let socket = p.socketDirectory.map { "?host=\($0)" } ?? ""
            return "postgresql://\(p.user)@\(at)/\(p.database)\(socket)"
        }
    }
}
