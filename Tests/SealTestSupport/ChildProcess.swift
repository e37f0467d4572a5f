import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A tool run to completion with `posix_spawn` and `waitpid`, its output collected in a
/// temporary file. Foundation's `Process` learns of a child's end through SIGCHLD, which a
/// thread of the test process that does not block it (NIO's, the pool's) can swallow; the
/// wait then never ends (seen here with `runuser … pg_ctl start`). `waitpid` cannot miss it.
/// It blocks the calling thread for as long as the tool runs.
///
/// The child gets standard input, output and error and no other descriptor. Without that,
/// a `pg_ctl start` passed the test process's open sockets on to the PostgreSQL server,
/// which kept them for as long as it ran: seen here, a server holding both ends of a relay
/// connection the test process had closed, and relay listeners of finished tests. A
/// connection closed while a copy stays open sends no FIN, so its other end never learns.
public enum ChildProcess {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `executable` with `arguments`; returns its exit status (128 + the signal if one
    /// ended it) and its standard output and error, interleaved.
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "sealrelay-child-" + UUID().uuidString
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        guard closeFrom(&actions, 3) == 0 else { throw Failure(description: "cannot keep descriptors from \(executable)") }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw Failure(description: "cannot run \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid for \(executable) failed: errno \(errno)") }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let signal = status & 0x7f
        return (signal == 0 ? (status >> 8) & 0xff : 128 + signal, output)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which the Glibc
    /// module does not import.
    private static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            preconditionFailure("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// `run`, throwing unless the tool exits 0; returns its output.
    @discardableResult
    public static func check(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let (status, output) = try run(executable, arguments, environment: environment)
        guard status == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")): exit \(status): \(output)")
        }
        return output
    }

    /// `run` from a task: the wait happens on a Dispatch thread. Swift's cooperative threads
    /// are as many as the cores (two here); a test blocking one while a tool runs stalls the
    /// tasks of every other test in the process, the in-process relays' among them.
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        try await offCooperativeThreads { try run(executable, arguments, environment: environment) }
    }

    /// `check` from a task, waiting as `run` from a task does.
    @discardableResult
    public static func check(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        try await offCooperativeThreads { try check(executable, arguments, environment: environment) }
    }

    /// Runs blocking `work` on a Dispatch thread and waits for it from a task.
    public static func offCooperativeThreads<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result(catching: work)) }
        }
    }
}
