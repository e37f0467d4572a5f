import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

@Suite("Bodies declared too large are refused at once")
struct EarlyRefusalTests {
    /// The relay would wait up to its idle timeout (30 s here) for a body; the client waits
    /// 20 s for an answer, so only a relay that answers without the body passes, however
    /// slow a busy test machine is.
    static func onionRelay() async throws -> TestRelay {
        try await onionRelay { _ in }
    }

    /// Sends a head declaring `length` bytes and a few body bytes, never the rest; returns
    /// the answer's status line and how long it took.
    static func declare(_ length: String, method: String = "POST", path: String, extra: String = "",
                        port: Int) async -> (String, Duration) {
        // The socket blocks: off the concurrency pool, whose few threads the relay needs.
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: declareBlocking(length, method: method, path: path, extra: extra, port: port))
            }
        }
    }

    static func declareBlocking(_ length: String, method: String, path: String, extra: String,
                                port: Int) -> (String, Duration) {
        let started = ContinuousClock.now
        let connection = try? RawConnection(port: port, receiveTimeoutSeconds: 20)
        connection?.send("\(method) \(path) HTTP/1.1\r\nHost: relay\r\n\(extra)Content-Length: \(length)\r\n\r\nSEAL")
        let head = connection?.receiveHead() ?? ""
        return (head.split(separator: "\r\n").first.map(String.init) ?? "", ContinuousClock.now - started)
    }

    @Test("a report whose Content-Length is over max_envelope_bytes gets 413 without the relay waiting for the body")
    func reportDeclaredTooLarge() async throws {
        let relay = try await Self.onionRelay()
        let pow = try await relay.proofOfWork()
        let (status, took) = await Self.declare("99999999999999", path: "/v1/reports",
                                                extra: "\(RelayHeader.proofOfWork): \(pow)\r\n", port: relay.onionPort)
        #expect(status.hasPrefix("HTTP/1.1 413 "))
        #expect(took < .seconds(20))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(relay.stateDirectory)/spool/incoming").isEmpty)
        await relay.stop()
    }

    @Test("a slice whose Content-Length would take the upload over max_envelope_bytes gets 413 at once")
    func sliceDeclaredTooLarge() async throws {
        let relay = try await Self.onionRelay { $0.maxEnvelopeBytes = 4 << 20; $0.maxSpoolBytes = 64 << 20 }
        let created = try await relay.request(.POST, "/v1/uploads")
        let upload = try #require(created.json["upload"] as? String)
        let (status, took) = await Self.declare("\(5 << 20)", method: "PUT", path: "/v1/uploads/\(upload)",
                                          extra: "Upload-Offset: 0\r\n", port: relay.onionPort)
        #expect(status.hasPrefix("HTTP/1.1 413 "))
        #expect(took < .seconds(20))
        await relay.stop()
    }

    @Test("no partial file exists before the envelope's head checked out and a full batch of bytes arrived")
    func noFileBeforeTheBody() async throws {
        let relay = try await Self.onionRelay()
        let envelope = try relay.envelope(message: String(repeating: "evidence ", count: 20_000))
        let connection = try RawConnection(port: relay.onionPort, receiveTimeoutSeconds: 1)
        let pow = try await relay.proofOfWork()
        connection.send("POST /v1/reports HTTP/1.1\r\nHost: relay\r\n\(RelayHeader.proofOfWork): \(pow)\r\nContent-Length: \(envelope.count)\r\n\r\n")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(relay.stateDirectory)/spool/incoming").isEmpty)
        connection.send(bytes: Array(envelope.prefix(8000)))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(relay.stateDirectory)/spool/incoming").isEmpty,
                "a checked head and the bytes after it are held in memory until a batch is full")
        connection.send(bytes: Array(envelope[8000..<(IncomingBytes.batchBytes + 1000)]))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(relay.stateDirectory)/spool/incoming").count == 1)
        connection.hangUp()
        await relay.stop()
    }
}

extension EarlyRefusalTests {
    static func onionRelay(configure: @escaping (inout RelayConfig) -> Void) async throws -> TestRelay {
        try await TestRelay {
            $0.onionListen = HostPort(host: "127.0.0.1", port: 0)
            $0.idleTimeoutSeconds = 30
            configure(&$0)
        }
    }
}
