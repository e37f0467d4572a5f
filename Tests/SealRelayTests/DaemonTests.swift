import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// The daemon as a process: what happens on SIGTERM, kill -9, a full disk and slow clients.
@Suite("sealrelayd process")
struct DaemonTests {
    func ids(_ reply: TestRelay.Reply) -> [String] {
        (reply.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    static func contentID(_ bytes: [UInt8]) -> String { Base64URL.encode(Array(SHA256.hash(data: bytes).prefix(16))) }

    @Test("kill -9 during 50 concurrent uploads loses nothing that got 202 and queues nothing corrupt")
    func killDuringUploads() async throws {
        let relay = try await TestRelay()
        let config = try await relay.handOverToDaemon()
        let envelopes = try (0..<50).map { try relay.envelope(message: String(repeating: "\($0) ", count: 150_000), suite: .x25519) }
        let daemon = try RelayDaemon(configPath: config)
        relay.tlsPort = try await daemon.port()
        // Ten uploads go at once; forty dribble their bodies over about two seconds, so they are
        // certainly in flight when the relay is killed after the first receipts.
        let accepted = try await withThrowingTaskGroup(of: String?.self) { group in
            for (i, envelope) in envelopes.enumerated() {
                group.addTask {
                    var request = HTTPClientRequest(url: relay.base + "/v1/reports")
                    request.method = .POST
                    request.headers.add(name: RelayHeader.proofOfWork, value: try await relay.proofOfWork())
                    if i < 10 {
                        request.body = .bytes(ByteBuffer(bytes: envelope))
                    } else {
                        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
                        request.body = .stream(stream, length: .known(Int64(envelope.count)))
                        Task {
                            let step = envelope.count / 20 + 1
                            for start in stride(from: 0, to: envelope.count, by: step) {
                                continuation.yield(ByteBuffer(bytes: envelope[start..<min(start + step, envelope.count)]))
                                try? await Task.sleep(for: .milliseconds(100))
                            }
                            continuation.finish()
                        }
                    }
                    guard let response = try? await relay.client.execute(request, timeout: .seconds(30)),
                          response.status == .accepted,
                          let body = try? await response.body.collect(upTo: 1 << 16),
                          let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
                    else { return nil }
                    return json["receipt"] as? String
                }
            }
            var receipts: [String] = []
            var killed = false
            for try await receipt in group {
                if let receipt { receipts.append(receipt) }
                if !killed, receipts.count >= 5 {
                    daemon.signal(SIGKILL)
                    killed = true
                }
            }
            return receipts
        }
        #expect(accepted.count >= 5 && accepted.count < 50, "the kill landed mid-way (\(accepted.count) accepted)")
        _ = try await daemon.exitStatus()

        let restarted = try RelayDaemon(configPath: config)
        relay.tlsPort = try await restarted.port()
        let queued = Set(ids(try await relay.signed(.GET, "/v1/inbox")))
        let sent = Set(envelopes.map(Self.contentID))
        #expect(Set(accepted).isSubset(of: queued), "every 202 survived")
        #expect(queued.isSubset(of: sent), "nothing queued that was not sent whole")
        for id in queued {
            let bytes = try await relay.signed(.GET, "/v1/inbox/\(id)").body
            #expect(Self.contentID(bytes) == id, "envelope \(id) is intact")
        }
        let incoming = try FileManager.default.contentsOfDirectory(atPath: "\(relay.stateDirectory)/spool/incoming")
        #expect(incoming.isEmpty, "partial uploads were removed at start-up")
        restarted.signal(SIGTERM)
        #expect(try await restarted.exitStatus() == 0)
    }

    @Test("SIGTERM lets an upload in flight finish, then exits cleanly")
    func gracefulShutdown() async throws {
        let relay = try await TestRelay()
        let config = try await relay.handOverToDaemon()
        let daemon = try RelayDaemon(configPath: config)
        relay.tlsPort = try await daemon.port()
        let envelope = try relay.envelope(message: String(repeating: "x", count: 2_000_000), suite: .x25519)
        let pieces = stride(from: 0, to: envelope.count, by: 100_000).map { Array(envelope[$0..<min($0 + 100_000, envelope.count)]) }
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        var request = HTTPClientRequest(url: relay.base + "/v1/reports")
        request.method = .POST
        request.headers.add(name: RelayHeader.proofOfWork, value: try await relay.proofOfWork())
        request.body = .stream(stream, length: .known(Int64(envelope.count)))
        let upload = Task { try await relay.client.execute(request, timeout: .seconds(60)) }
        continuation.yield(ByteBuffer(bytes: pieces[0]))
        // Wait until the relay is receiving it: its partial file appears in incoming/.
        let incoming = "\(relay.stateDirectory)/spool/incoming"
        let deadline = Date().addingTimeInterval(20)
        while (try? FileManager.default.contentsOfDirectory(atPath: incoming))?.isEmpty != false, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        daemon.signal(SIGTERM)
        for piece in pieces.dropFirst() {
            continuation.yield(ByteBuffer(bytes: piece))
            try await Task.sleep(for: .milliseconds(20))
        }
        continuation.finish()
        let response = try await upload.value
        #expect(response.status == .accepted)
        #expect(try await daemon.exitStatus() == 0)
        #expect(try await relay.kept() == ["\(Self.contentID(envelope)).receipt", "\(Self.contentID(envelope)).seal"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(relay.stateDirectory)/spool/incoming").isEmpty)
    }

    @Test("a 64 MiB chunked upload in 8 MiB slices keeps the daemon's peak memory within 40 MiB of where it started")
    func chunkedUploadMemoryIsFlat() async throws {
        let relay = try await TestRelay()
        let daemon = try RelayDaemon(configPath: try await relay.handOverToDaemon())
        relay.tlsPort = try await daemon.port()
        let scan = "\(relay.dir)/scan.bin"
        try Data(count: 64 << 20).write(to: URL(fileURLWithPath: scan))
        let envelope = try relay.envelope(suite: .x25519, attachments: [
            SealCore.Attachment(path: scan, name: "scan.bin", type: "application/octet-stream", removed: [], unscrubbed: true)])
        let created = try await relay.request(.POST, "/v1/uploads")
        let id = try #require(created.json["upload"] as? String)
        try daemon.resetPeakMemory()
        let before = try daemon.memoryKiB("VmRSS")
        for offset in stride(from: 0, to: envelope.count, by: 8 << 20) {
            let slice = Array(envelope[offset..<min(offset + (8 << 20), envelope.count)])
            let put = try await relay.request(.PUT, "/v1/uploads/\(id)", body: slice, headers: [("Upload-Offset", "\(offset)")])
            #expect(put.status == .ok)
        }
        #expect(try await relay.request(.POST, "/v1/uploads/\(id)/complete").status == .accepted)
        let grown = try daemon.memoryKiB("VmHWM") - before
        #expect(grown < 40 << 10, "the daemon grew by \(grown / 1024) MiB for a \(envelope.count >> 20) MiB upload")
    }

    /// The relay as a process, its spool on a 1 MiB tmpfs: a real full disk.
    static func daemonOnTinyDisk(_ relay: TestRelay, spool: String) async throws -> RelayDaemon {
        let config = try await relay.handOverToDaemon()
        try? FileManager.default.removeItem(atPath: spool)
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        #expect(try MetadataPolicyTests.runBlocking("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", spool], stdin: nil).0 == 0)
        do {
            let daemon = try RelayDaemon(configPath: config)
            relay.tlsPort = try await daemon.port()
            return daemon
        } catch {
            _ = try? MetadataPolicyTests.runBlocking("umount", ["-l", spool], stdin: nil)
            throw error
        }
    }

    @Test("a spool on a full disk answers 507, keeps what it has, and recovers when space is freed",
          .fileSpoolOnly("with the database the envelopes fill its disk, not the relay's"),
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func diskFull() async throws {
        let relay = try await TestRelay()
        let spool = "\(relay.stateDirectory)/spool"
        let daemon = try await Self.daemonOnTinyDisk(relay, spool: spool)
        defer { _ = try? MetadataPolicyTests.runBlocking("umount", ["-l", spool], stdin: nil) }
        var accepted: [String: [UInt8]] = [:]
        var full = false
        for i in 0..<200 where !full {
            let envelope = try relay.envelope(message: "report \(i)", suite: .x25519)
            let reply = try await relay.request(.POST, "/v1/reports", body: envelope)
            if reply.status == .accepted {
                accepted[Self.contentID(envelope)] = envelope
            } else {
                #expect(reply.status.code == 507, "\(reply.status)")
                full = true
            }
        }
        #expect(full && accepted.count > 5)
        for (id, envelope) in accepted {
            #expect(try await relay.signed(.GET, "/v1/inbox/\(id)").body == envelope)
        }
        // Free space: both reviewers acknowledge a few envelopes.
        for id in accepted.keys.prefix(5) {
            for reviewer in 0..<2 { #expect(try await relay.signed(.DELETE, "/v1/inbox/\(id)", reviewer: reviewer).status == .noContent) }
        }
        let after = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "after", suite: .x25519))
        #expect(after.status == .accepted)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(spool)/incoming").isEmpty)
        daemon.signal(SIGTERM)
        _ = try await daemon.exitStatus()
    }

    @Test("a chunked upload on a full disk answers 507 like a single request, leaves no partial file, and frees the space",
          .fileSpoolOnly("with the database a chunked upload's bytes are in its tables, not on the relay's disk"),
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func diskFullChunked() async throws {
        let relay = try await TestRelay()
        let spool = "\(relay.stateDirectory)/spool"
        let daemon = try await Self.daemonOnTinyDisk(relay, spool: spool)
        defer { _ = try? MetadataPolicyTests.runBlocking("umount", ["-l", spool], stdin: nil) }
        let envelope = try relay.envelope(message: String(repeating: "x", count: 1_500_000), suite: .x25519)
        let created = try await relay.request(.POST, "/v1/uploads")
        let id = try #require(created.json["upload"] as? String)
        var status = HTTPResponseStatus.ok
        var offset = 0
        while status == .ok, offset < envelope.count {
            let end = min(offset + 256 << 10, envelope.count)
            status = try await relay.request(.PUT, "/v1/uploads/\(id)", body: Array(envelope[offset..<end]),
                                             headers: [("Upload-Offset", "\(offset)")]).status
            offset = end
        }
        #expect(status.code == 507, "\(status)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(spool)/incoming").isEmpty)
        #expect(try await relay.request(.POST, "/v1/uploads/\(id)/complete").status == .notFound)
        let small = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "after", suite: .x25519))
        #expect(small.status == .accepted)
        daemon.signal(SIGTERM)
        _ = try await daemon.exitStatus()
    }

    @Test("200 connections dribbling a byte a second do not stop a normal submission, and are cut off")
    func slowClients() async throws {
        let relay = try await TestRelay()
        let config = try await relay.handOverToDaemon { $0 = $0.replacingOccurrences(of: "request_head_timeout_seconds = 20", with: "request_head_timeout_seconds = 3") }
        let daemon = try RelayDaemon(configPath: config)
        let port = try await daemon.port()
        relay.tlsPort = port
        let sockets = try (0..<200).map { _ in try SlowClient(port: port) }
        for _ in 0..<2 {
            for s in sockets { s.dribble() }
            let reply = try await relay.request(.POST, "/v1/reports", body: relay.envelope(suite: .x25519))
            #expect(reply.status == .accepted)
            try await Task.sleep(for: .seconds(1))
        }
        // Past the head deadline every dribbler has been disconnected.
        try await Task.sleep(for: .seconds(3))
        let open = sockets.filter { $0.dribble() && $0.isOpen() }.count
        #expect(open == 0, "\(open) slow connections still open")
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0)
    }
}

/// A TCP client that sends one byte at a time and never finishes anything.
final class SlowClient {
    let connection: RawConnection
    var fd: Int32 { connection.fd }

    init(port: Int) throws {
        connection = try RawConnection(port: port)
        var flags = fcntl(fd, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(fd, F_SETFL, flags)
    }

    /// Sends one byte; false once the relay has closed the connection.
    @discardableResult
    func dribble() -> Bool {
        var byte: UInt8 = 0x16
        return send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) == 1
    }

    /// True while the peer has not closed: a read finds no data yet (EAGAIN).
    func isOpen() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }
}
