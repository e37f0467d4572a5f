import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Support for the CLI tests: every test runs the real `seal` executable as a subprocess,
// inside its own temporary directory, with its own state directory and home, and with
// stdin on /dev/null so no command can stop to ask for a passphrase.

/// What one run of `seal` did.
struct RunResult: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    /// True when the process died from a signal (a crash, not an exit).
    let crashed: Bool
    let stdout: String
    let stderr: String

    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    var description: String {
        "seal \(arguments.joined(separator: " "))\n  exit \(status)\(crashed ? " (signal)" : "")\n"
            + "  stdout: \(stdout.debugDescription)\n  stderr: \(stderr.debugDescription)"
    }
}

/// A command that was expected to succeed and did not.
struct CLIFailure: Error, CustomStringConvertible {
    let result: RunResult
    var description: String { "expected success:\n\(result)" }
}

struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An organisation made for a test: its key folder and its fingerprint in hex.
struct TestOrg {
    let dir: String
    let fingerprint: String
    var secretKey: String { "\(dir)/org.seckey" }
    var publicKey: String { "\(dir)/org.pub" }
}

/// The `seal` executable, run inside a private temporary directory.
///
/// Paths given to `run` are relative to `work` (the subprocess's current directory).
/// Nothing removes the directory by itself: the owner (a `final class` suite) calls
/// `remove()` from its `deinit`.
struct SealCLI {
    /// Root of everything this test owns.
    let root: URL
    /// The current directory of every `seal` run; test files live here.
    let work: URL
    /// `SEAL_STATE_DIR` of every run (bundle counters).
    let state: URL
    /// stdout/stderr capture files, kept apart from `work` so listings of it stay exact.
    private let io: URL

    init() throws {
        let fm = FileManager.default
        root = fm.temporaryDirectory.appendingPathComponent("seal-clitest-\(UUID().uuidString)", isDirectory: true)
        work = root.appendingPathComponent("work", isDirectory: true)
        state = root.appendingPathComponent("state", isDirectory: true)
        io = root.appendingPathComponent("io", isDirectory: true)
        for dir in [root, work, io, root.appendingPathComponent("home")] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    // MARK: finding the binary

    /// `SEAL_BIN` if set; otherwise a file named `seal` in the directory of the test bundle
    /// or one of its parents (`.build/<triple>/debug/` holds both).
    static let binary: String? = {
        let env = ProcessInfo.processInfo.environment
        if let path = env["SEAL_BIN"], !path.isEmpty { return path }
        let starts = [
            Bundle.main.bundleURL,
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ].compactMap { $0 }
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("seal").path
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue,
                   FileManager.default.isExecutableFile(atPath: candidate) {
                    return candidate
                }
                if dir.path == "/" { break }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }()

    // MARK: running

    /// The environment of every run: this test's own state directory and home.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SEAL_STATE_DIR"] = state.path
        environment["HOME"] = root.appendingPathComponent("home").path
        environment["XDG_STATE_HOME"] = nil
        environment["SEAL_BIN"] = nil
        return environment
    }

    /// Runs `seal ARGUMENTS` in `work` and returns what happened, whatever the exit status.
    @discardableResult
    func run(_ arguments: [String]) throws -> RunResult {
        guard let binary = Self.binary else {
            throw SetupError("cannot find the seal executable next to the test bundle; set SEAL_BIN")
        }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SetupError("\(binary) (SEAL_BIN) is not an executable file")
        }
        let id = UUID().uuidString
        let outPath = io.appendingPathComponent("\(id).out").path
        let errPath = io.appendingPathComponent("\(id).err").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = work
        process.environment = self.environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()

        let stdout = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        return RunResult(arguments: arguments, status: process.terminationStatus,
                         crashed: process.terminationReason == .uncaughtSignal, stdout: stdout, stderr: stderr)
    }

    @discardableResult
    func run(_ arguments: String...) throws -> RunResult { try run(arguments) }

    /// Runs a command that must succeed; a failure stops the test with the command's output.
    @discardableResult
    func ok(_ arguments: [String]) throws -> RunResult {
        let result = try run(arguments)
        guard result.status == 0, !result.crashed else { throw CLIFailure(result: result) }
        return result
    }

    @discardableResult
    func ok(_ arguments: String...) throws -> RunResult { try ok(arguments) }

    // MARK: fixtures

    /// `seal org keygen --no-passphrase` into `dir`, and the fingerprint `seal fingerprint` shows.
    @discardableResult
    func makeOrg(_ dir: String = "org") throws -> TestOrg {
        try ok("org", "keygen", "--out", dir, "--no-passphrase")
        return TestOrg(dir: dir, fingerprint: try hexFingerprint(of: "\(dir)/org.pub"))
    }

    /// `seal keygen` for NAME into `dir`: unprotected unless a passphrase file is given.
    func makeReviewer(_ name: String, in dir: String = "keys", passphraseFile: String? = nil) throws {
        var args = ["keygen", "--name", name, "--out", dir]
        if let passphraseFile { args += ["--passphrase-file", passphraseFile] } else { args.append("--no-passphrase") }
        try ok(args)
    }

    /// `seal org bundle` signed by `org` for the given reviewer names (public keys in `keysDir`).
    func signBundle(_ org: TestOrg, reviewers: [String], keysDir: String = "keys", out: String = "bundle.json",
                    counter: Int? = nil) throws {
        var args = ["org", "bundle", "--org-key", org.secretKey, "--relay-url", "https://127.0.0.1:8443",
                    "--valid-days", "30", "--out", out]
        for name in reviewers { args += ["--reviewer", "\(keysDir)/\(name).pub"] }
        if let counter { args += ["--counter", String(counter)] }
        try ok(args)
    }

    /// The usual world: an organisation, unprotected reviewers, and `bundle.json` for them.
    @discardableResult
    func makeWorld(reviewers: [String] = ["alice"]) throws -> TestOrg {
        let org = try makeOrg()
        for name in reviewers { try makeReviewer(name) }
        try signBundle(org, reviewers: reviewers)
        return org
    }

    /// `seal encrypt` with the given extra arguments; does not check the result.
    func encrypt(_ org: TestOrg, bundle: String = "bundle.json", out: String, _ extra: [String]) throws -> RunResult {
        try run(["encrypt", "--bundle", bundle, "--org-fingerprint", org.fingerprint] + extra + ["--out", out])
    }

    /// The `hex:` line of `seal fingerprint FILE`.
    func hexFingerprint(of file: String) throws -> String {
        let result = try ok("fingerprint", file)
        let hex = result.stdoutLines.compactMap { line -> String? in
            guard line.hasPrefix("hex:") else { return nil }
            return line.dropFirst(4).trimmingCharacters(in: .whitespaces)
        }
        guard hex.count == 1, let value = hex.first else {
            throw SetupError("no single hex: line in\n\(result)")
        }
        return value
    }

    // MARK: files

    func path(_ relative: String) -> String { work.appendingPathComponent(relative).path }

    func write(_ relative: String, _ text: String) throws { try write(relative, Data(text.utf8)) }

    func write(_ relative: String, _ data: Data) throws {
        let url = work.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func read(_ relative: String) throws -> Data {
        try Data(contentsOf: work.appendingPathComponent(relative))
    }

    func text(_ relative: String) throws -> String { String(decoding: try read(relative), as: UTF8.self) }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    /// Permission bits of a file or folder.
    func mode(_ relative: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path(relative))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Names in a folder, hidden ones included, sorted; empty if the folder does not exist.
    func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(relative))) ?? []).sorted()
    }

    /// Every path below a folder (hidden ones included), relative to it, sorted; folders end in "/".
    func tree(_ relative: String) -> [String] {
        let base = path(relative)
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var paths: [String] = []
        while let item = enumerator.nextObject() as? String {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: "\(base)/\(item)", isDirectory: &isDir)
            paths.append(isDir.boolValue ? item + "/" : item)
        }
        return paths.sorted()
    }

    /// The conversation folders `seal open` made in `out` (beside them: index.json, index.csv).
    func threads(in out: String) -> [String] {
        list(out).filter { $0.hasPrefix("thread-") }
    }

    /// The only report folder opened under `out`: `thread-*/report-*`.
    func reportFolders(in out: String) -> [String] {
        list(out).filter { $0.hasPrefix("thread-") }.flatMap { thread in
            list("\(out)/\(thread)").filter { $0.hasPrefix("report-") }.map { "\(out)/\(thread)/\($0)" }
        }
    }

    /// A JSON object file, parsed.
    func json(_ relative: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: read(relative)) as? [String: Any] else {
            throw SetupError("\(relative) is not a JSON object")
        }
        return object
    }

    /// Lowercase hex SHA-256 of a file, computed by coreutils, independently of SealCore.
    func sha256(_ relative: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path(relative)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let hash = String(decoding: data, as: UTF8.self).split(separator: " ").first
        else { throw SetupError("sha256sum failed on \(relative)") }
        return String(hash)
    }
}

// MARK: shared expectations

/// README.md: a user-facing error exits 1 with one clear line on stderr, no stack trace.
func expectUserError(_ result: RunResult, mentioning needles: [String] = [],
                     sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 1, "\(result)", sourceLocation: sourceLocation)
    #expect(!result.crashed, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.count == 1, "expected exactly one line on stderr:\n\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("seal: "), "\(result)", sourceLocation: sourceLocation)
    expectNoCrashOutput(result, sourceLocation: sourceLocation)
    for needle in needles {
        #expect(result.stderr.localizedCaseInsensitiveContains(needle),
                "stderr should mention \(needle.debugDescription):\n\(result)", sourceLocation: sourceLocation)
    }
}

/// README.md: a usage error exits 2, with a message and without a stack trace.
func expectUsageError(_ result: RunResult, mentioning needles: [String] = [],
                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 2, "\(result)", sourceLocation: sourceLocation)
    #expect(!result.crashed, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("seal: "), "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.count == 1, "expected exactly one line on stderr:\n\(result)", sourceLocation: sourceLocation)
    expectNoCrashOutput(result, sourceLocation: sourceLocation)
    for needle in needles {
        #expect(result.stderr.localizedCaseInsensitiveContains(needle),
                "stderr should mention \(needle.debugDescription):\n\(result)", sourceLocation: sourceLocation)
    }
}

func expectNoCrashOutput(_ result: RunResult, sourceLocation: SourceLocation = #_sourceLocation) {
    for marker in ["Fatal error", "Stack dump", "backtrace", "Current stack trace", "Illegal instruction", "Swift runtime failure"] {
        #expect(!result.stderr.contains(marker), "\(result)", sourceLocation: sourceLocation)
    }
}

extension SealCLI {
    /// A failed `seal open` leaves no report folder, no staging folder and no partial file.
    func expectNothingOpened(in out: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(tree(out).isEmpty, "\(out) should hold nothing, holds \(tree(out))", sourceLocation: sourceLocation)
    }

    /// A failed `seal encrypt --out NAME` leaves neither NAME nor a hidden partial file of it.
    func expectNoEnvelope(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let dir = (name as NSString).deletingLastPathComponent
        let base = (name as NSString).lastPathComponent
        let leftovers = list(dir.isEmpty ? "." : dir).filter { $0.contains(base) || $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty, "no trace of \(name) expected, found \(leftovers)", sourceLocation: sourceLocation)
    }
}

/// Reads and writes the bytes of files under test.
enum Bytes {
    static func flip(_ data: Data, at offset: Int) -> Data {
        var copy = data
        let index = copy.startIndex + offset
        copy[index] ^= 0x01
        return copy
    }

    /// `u32` header length of an envelope (after the 6-byte magic), big-endian.
    static func headerLength(_ envelope: Data) -> Int {
        let b = Array(envelope.prefix(10))
        return b[6...9].reduce(0) { $0 << 8 | Int($1) }
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }

    static func base64URLEncode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
