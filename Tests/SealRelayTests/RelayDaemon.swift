import Foundation
import SealCore
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// The real `sealrelayd` binary as a child process, for what only a process can show:
/// signals, kill -9, a full disk. Its stderr is collected; the port comes from its log.
final class RelayDaemon: @unchecked Sendable {
    let process = Process()
    let configPath: String
    private let lock = NSLock()
    private var output = Data()

    static func binary() throws -> String {
        if let env = ProcessInfo.processInfo.environment["SEALRELAYD_BIN"] { return env }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("sealrelayd").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw ConfigError("sealrelayd binary not found next to the tests (build it, or set SEALRELAYD_BIN)")
    }

    init(configPath: String) throws {
        self.configPath = configPath
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = ["run", "--config", configPath]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.output.append(data) }
        }
        try process.run()
    }

    var log: String { lock.withLock { String(decoding: output, as: UTF8.self) } }

    /// Waits (polling the log, at most `seconds`) for the public listener's port.
    func port(within seconds: Double = 30) async throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let range = log.range(of: "relay listening port=") {
                let digits = log[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            guard process.isRunning else { throw ConfigError("sealrelayd exited: \(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ConfigError("sealrelayd did not start: \(log)")
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// A line of /proc/PID/status in KiB: `VmRSS` (resident now) or `VmHWM` (its peak).
    func memoryKiB(_ field: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("\(field):") }
        guard let kib = line?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw ConfigError("no \(field) in /proc/\(process.processIdentifier)/status")
        }
        return kib
    }

    /// Starts `VmHWM` again from the resident size of now (proc(5), clear_refs).
    func resetPeakMemory() throws {
        try "5".write(toFile: "/proc/\(process.processIdentifier)/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Waits for the process to end; returns its exit status.
    func exitStatus(within seconds: Double = 30) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else { throw ConfigError("sealrelayd did not exit") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

extension TestRelay {
    /// Stops the in-process relay and writes a config for a daemon on ephemeral ports.
    func handOverToDaemon(configure: (inout String) -> Void = { _ in }) async throws -> String {
        await stop()
        let path = "\(stateDirectory)/relay.conf"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        configure(&text)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
