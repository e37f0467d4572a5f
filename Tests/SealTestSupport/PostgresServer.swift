import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL 15 server of the test's own, in a temporary directory: `initdb` and
/// `pg_ctl` from Debian's `postgresql` package (scripts/install-deps.sh), a free loopback
/// port, a private socket directory, password (SCRAM) authentication. Stopped and removed
/// when the owner goes away. PostgreSQL refuses to run as root, so as root (CI) the server
/// runs as the `postgres` user the package creates.
public final class PostgresServer: @unchecked Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb") }

    public let directory: TemporaryDirectory
    public let user = "sealrelay"
    public let password: String
    public let port: Int
    /// The password as `storage_password_file` wants it.
    public let passwordFile: String
    private var dataDirectory: String { directory.file("data") }

    public init() throws {
        directory = TemporaryDirectory()
        password = UUID().uuidString
        passwordFile = directory.file("db.password")
        try Data("\(password)\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        port = try Self.freePort()
        try FileManager.default.createDirectory(atPath: directory.file("socket"), withIntermediateDirectories: true)
        if getuid() == 0 {
            try ChildProcess.check("/bin/chown", ["-R", "postgres:postgres", directory.path])
        }
        try asServer("initdb", ["-D", dataDirectory, "-U", user, "--pwfile=\(passwordFile)", "--auth=scram-sha-256",
                                "--no-sync", "-E", "UTF8", "--locale=C"])
        try start()
    }

    deinit {
        try? stop()
    }

    /// Starts (or restarts) the server on the same port and data.
    public func start() throws {
        // Room for every relay of a parallel test run: each pool opens up to 20 connections.
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory.file("socket")) -c log_connections=off -c log_statement=none"
            + " -c max_connections=1000"
        try asServer("pg_ctl", ["-D", dataDirectory, "-l", directory.file("server.log"), "-w", "-t", "30", "-o", options, "start"])
    }

    /// `pg_ctl stop -m immediate`: the database goes away as if its machine died.
    public func stop() throws {
        try asServer("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
    }

    /// A new, empty database; one per test, on the suite's one server.
    public func createDatabase(_ name: String = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()) async throws -> String {
        try await client("createdb", [name])
        return name
    }

    /// `storage = …` for a relay using `database`.
    public func url(_ database: String) -> String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    /// The plain-text dump of `database` (schema and data, bytea as hex).
    public func dump(_ database: String) async throws -> String {
        try await client("pg_dump", ["--no-owner", database])
    }

    /// A client tool against the server over loopback with the password.
    @discardableResult
    public func client(_ tool: String, _ arguments: [String]) async throws -> String {
        try await ChildProcess.check("\(Self.binaries)/\(tool)", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user] + arguments,
                     environment: ["PGPASSWORD": password])
    }

    private func asServer(_ tool: String, _ arguments: [String]) throws {
        let path = "\(Self.binaries)/\(tool)"
        if getuid() == 0 {
            try ChildProcess.check("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
        } else {
            try ChildProcess.check(path, arguments)
        }
    }

    /// A port nothing listens on now: bind to port 0 and let the kernel choose.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildProcess.Failure(description: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ChildProcess.Failure(description: "bind failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ChildProcess.Failure(description: "getsockname failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
