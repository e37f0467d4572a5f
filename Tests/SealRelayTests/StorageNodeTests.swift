import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SealAPI
import SealCore
import SealTestSupport
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// Two `sealrelayd run` processes on one PostgreSQL database serve one relay (docs/ARCHITECTURE.md "Storage"):
/// each has its own state directory (a copy: same keys, certificate and config) and
/// shares nothing with the other but the database.
@Suite("Relay nodes on one database")
final class StorageNodeTests {
    let server: PostgresServer
    let relay: TestRelay
    let nodes: [RelayDaemon]
    let ports: [Int]

    init() async throws {
        server = try SharedPostgres.server()
        relay = try await TestRelay(storage: .postgresql, server: server)
        let first = try await relay.handOverToDaemon()
        let second = "\(relay.dir)/node-b"
        try await ChildProcess.check("/bin/cp", ["-a", relay.stateDirectory, second])
        nodes = [try RelayDaemon(configPath: first), try RelayDaemon(configPath: "\(second)/relay.conf")]
        var ports: [Int] = []
        for node in nodes { ports.append(try await node.port()) }
        self.ports = ports
    }

    /// Points the test client (and its signatures' authority) at node `index`.
    func use(_ index: Int) { relay.tlsPort = ports[index] }

    func ids(_ reply: TestRelay.Reply) -> [String] {
        (reply.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    func psql(_ sql: String) async throws -> String {
        try await server.client("psql", ["-At", "-c", sql, relay.database?.name ?? ""]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a report sent to one node is fetched from the other, and once acknowledged there is gone from both")
    func fetchedFromTheOtherNode() async throws {
        use(0)
        let envelope = try relay.envelope()
        let id = try #require(try await relay.request(.POST, "/v1/reports", body: envelope).json["receipt"] as? String)
        use(1)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox")) == [id])
        #expect(try await relay.signed(.GET, "/v1/inbox/\(id)").body == envelope)
        #expect(try await relay.signed(.DELETE, "/v1/inbox/\(id)").status == .noContent)
        use(0)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox")).isEmpty)
        #expect(try await relay.signed(.DELETE, "/v1/inbox/\(id)").status == .notFound)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 1)) == [id], "the other reviewer still has it")
    }

    @Test("two nodes acknowledging the same envelopes at once: each acknowledged once, none delivered twice, none lost")
    func concurrentAcknowledgements() async throws {
        use(0)
        var sent: [String] = []
        for i in 0..<8 {
            sent.append(try #require(try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "ack \(i)")).json["receipt"] as? String))
        }
        let headers = try (0..<2).map { node in
            try sent.map { id in
                try relay.signatureHeaders(.DELETE, "/v1/inbox/\(id)", key: relay.credentials[0], authority: "127.0.0.1:\(ports[node])")
            }
        }
        let outcomes = try await withThrowingTaskGroup(of: (String, HTTPResponseStatus).self) { group in
            for (index, id) in sent.enumerated() {
                for node in 0..<2 {
                    group.addTask { [relay, ports] in
                        let reply = try await relay.request(.DELETE, "/v1/inbox/\(id)", headers: headers[node][index],
                                                            base: "https://127.0.0.1:\(ports[node])")
                        return (id, reply.status)
                    }
                }
            }
            var outcomes: [String: [HTTPResponseStatus]] = [:]
            for try await (id, status) in group { outcomes[id, default: []].append(status) }
            return outcomes
        }
        for id in sent {
            #expect(outcomes[id]?.sorted { $0.code < $1.code } == [.noContent, .notFound], "\(id): \(outcomes[id] ?? [])")
        }
        for node in 0..<2 {
            use(node)
            #expect(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0)).isEmpty)
            #expect(Set(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 1))) == Set(sent), "none lost for the other reviewer")
        }
    }

    @Test("a proof-of-work token spent at one node is refused at the other, which stores nothing")
    func tokenSpentAtTheOtherNode() async throws {
        use(0)
        let token = try await relay.proofOfWork()
        let first = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "paid once"),
                                            headers: [(RelayHeader.proofOfWork, token)])
        #expect(first.status == .accepted)
        use(1)
        let again = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "paid twice"),
                                            headers: [(RelayHeader.proofOfWork, token)])
        #expect(again.status == .forbidden)
        let refusal = try ProofOfWorkRelayTests.refusal(again)
        #expect(refusal.code == .powRequired && refusal.error.contains("already used"), "\(refusal)")
        #expect(ids(try await relay.signed(.GET, "/v1/inbox")) == [try #require(first.json["receipt"] as? String)])
    }

    @Test("the same token presented to both nodes at once admits exactly one write")
    func tokenRacedToBothNodes() async throws {
        var tokens: [String] = []
        for _ in 0..<10 { tokens.append(try await relay.proofOfWork(base: "https://127.0.0.1:\(ports[0])")) }
        let statuses = try await withThrowingTaskGroup(of: (Int, HTTPResponseStatus).self) { group in
            for (index, token) in tokens.enumerated() {
                for port in ports {
                    group.addTask { [relay] in
                        let reply = try await relay.request(.POST, "/v1/uploads", headers: [(RelayHeader.proofOfWork, token)],
                                                            base: "https://127.0.0.1:\(port)")
                        return (index, reply.status)
                    }
                }
            }
            var statuses: [Int: [HTTPResponseStatus]] = [:]
            for try await (index, status) in group { statuses[index, default: []].append(status) }
            return statuses
        }
        for index in tokens.indices {
            #expect(statuses[index]?.sorted { $0.code < $1.code } == [.created, .forbidden], "token \(index): \(statuses[index] ?? [])")
        }
    }

    @Test("a reviewer's signed request replayed to the other node is refused as a replay")
    func nonceReplayedAtTheOtherNode() async throws {
        // Both nodes serve one name in production; here the Host header gives them the same one.
        let authority = "127.0.0.1:\(ports[0])"
        let headers = try relay.signatureHeaders(.GET, "/v1/inbox", key: relay.credentials[0], authority: authority)
            + [("Host", authority)]
        #expect(try await relay.request(.GET, "/v1/inbox", headers: headers, base: "https://127.0.0.1:\(ports[0])").status == .ok)
        let replayed = try await relay.request(.GET, "/v1/inbox", headers: headers, base: "https://127.0.0.1:\(ports[1])")
        #expect(replayed.status == .unauthorized && replayed.json["code"] as? String == "signature_replayed", "\(replayed.json)")
        let fresh = try relay.signatureHeaders(.GET, "/v1/inbox", key: relay.credentials[0], authority: authority) + [("Host", authority)]
        #expect(try await relay.request(.GET, "/v1/inbox", headers: fresh, base: "https://127.0.0.1:\(ports[1])").status == .ok,
                "a fresh signature with the same Host passes there")
    }

    /// A PUT of `bytes` at `offset` of upload `id`, at node `node`.
    func put(_ id: String, at offset: Int, _ bytes: ArraySlice<UInt8>, node: Int) async throws -> TestRelay.Reply {
        try await relay.request(.PUT, "/v1/uploads/\(id)", body: Array(bytes), headers: [("Upload-Offset", "\(offset)")],
                                base: "https://127.0.0.1:\(ports[node])")
    }

    /// An envelope of about 3.5 MB, over three of the database's 1 MiB chunks.
    func largeEnvelope() throws -> [UInt8] {
        try relay.envelope(message: String(repeating: "resumed elsewhere ", count: 200_000), suite: .x25519)
    }

    @Test("a chunked upload started on node A and completed on node B is queued once, byte for byte, under its content id")
    func uploadCompletedAtTheOtherNode() async throws {
        let envelope = try largeEnvelope()
        // Slices of 1.5 MB: neither node's slices end on the database's chunk boundaries.
        let slice = 1_500_000
        #expect(envelope.count > 2 * slice)
        let id = try #require(try await relay.request(.POST, "/v1/uploads", base: "https://127.0.0.1:\(ports[0])").json["upload"] as? String)
        #expect(try await put(id, at: 0, envelope[0..<slice], node: 0).json["offset"] as? Int == slice)
        let stale = try await put(id, at: 0, envelope[0..<slice], node: 1)
        #expect(stale.status == .conflict && stale.json["offset"] as? Int == slice, "node B knows where node A left it")
        for start in stride(from: slice, to: envelope.count, by: slice) {
            let end = min(start + slice, envelope.count)
            #expect(try await put(id, at: start, envelope[start..<end], node: 1).json["offset"] as? Int == end)
        }
        let completed = try await relay.request(.POST, "/v1/uploads/\(id)/complete", base: "https://127.0.0.1:\(ports[1])")
        #expect(completed.status == .accepted)
        #expect(completed.json["receipt"] as? String == DaemonTests.contentID(envelope))
        let again = try await relay.request(.POST, "/v1/uploads/\(id)/complete", base: "https://127.0.0.1:\(ports[0])")
        #expect(again.status == .notFound, "completed once: node A no longer has it either")
        use(0)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox")) == [DaemonTests.contentID(envelope)])
        #expect(try await relay.signed(.GET, "/v1/inbox/\(DaemonTests.contentID(envelope))").body == envelope)
        #expect(try await psql("SELECT count(*) FROM envelopes") == "1")
        #expect(try await psql("SELECT count(*), max(length(data)) FROM chunks") == "\((envelope.count + (1 << 20) - 1) >> 20)|\(1 << 20)")
        #expect(try await psql("SELECT (SELECT count(*) FROM uploads) + (SELECT count(*) FROM upload_chunks)") == "0",
                "the upload's rows went with its completion")
    }

    @Test("a PUT cut off at node A keeps what arrived, and the upload resumes at node B from the offset B's 409 gives")
    func droppedSliceResumedAtTheOtherNode() async throws {
        let envelope = try largeEnvelope()
        let id = try #require(try await relay.request(.POST, "/v1/uploads", base: "https://127.0.0.1:\(ports[0])").json["upload"] as? String)
        let first = 150_000
        // A slice announced as 300 000 bytes of which only the first 150 000 are sent, then
        // the connection is broken off.
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(ports[0])/v1/uploads/\(id)")
        request.method = .PUT
        request.headers.add(name: "Upload-Offset", value: "0")
        request.body = .stream(stream, length: .known(Int64(300_000)))
        let dropped = Task { [relay] in try await relay.client.execute(request, timeout: .seconds(30)) }
        continuation.yield(ByteBuffer(bytes: envelope[0..<first]))
        try await Task.sleep(for: .milliseconds(500))
        continuation.finish(throwing: CancellationError())
        _ = try? await dropped.value
        var offset = 0
        try await ChunkedUploadTests().waitUntil {
            let reply = try await self.put(id, at: 0, envelope[0..<10], node: 1)
            offset = reply.json["offset"] as? Int ?? 0
            return reply.status == .conflict && offset > 0
        }
        #expect(offset > 0 && offset <= first)
        #expect(try await put(id, at: offset, envelope[offset...], node: 1).json["offset"] as? Int == envelope.count)
        let done = try await relay.request(.POST, "/v1/uploads/\(id)/complete", base: "https://127.0.0.1:\(ports[1])")
        #expect(done.status == .accepted && done.json["receipt"] as? String == DaemonTests.contentID(envelope))
        use(1)
        #expect(try await relay.signed(.GET, "/v1/inbox/\(DaemonTests.contentID(envelope))").body == envelope)
    }

    @Test("one upload completed at both nodes at once is queued once; the loser is told it is gone")
    func uploadCompletedAtBothNodes() async throws {
        let envelope = try largeEnvelope()
        let id = try #require(try await relay.request(.POST, "/v1/uploads", base: "https://127.0.0.1:\(ports[0])").json["upload"] as? String)
        #expect(try await put(id, at: 0, envelope[...], node: 0).status == .ok)
        let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
            for port in ports {
                group.addTask { [relay] in
                    try await relay.request(.POST, "/v1/uploads/\(id)/complete", base: "https://127.0.0.1:\(port)").status
                }
            }
            var statuses: [HTTPResponseStatus] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.sorted { $0.code < $1.code } == [.accepted, .notFound], "\(statuses)")
        #expect(try await psql("SELECT count(*) FROM envelopes") == "1")
        #expect(try await psql("SELECT sum(length(data)) FROM chunks") == "\(envelope.count)")
    }

    @Test("an upload cancelled at one node answers 404 at the other, and its rows are gone")
    func uploadCancelledAtTheOtherNode() async throws {
        let envelope = try largeEnvelope()
        let id = try #require(try await relay.request(.POST, "/v1/uploads", base: "https://127.0.0.1:\(ports[0])").json["upload"] as? String)
        #expect(try await put(id, at: 0, envelope[0..<100_000], node: 0).status == .ok)
        #expect(try await relay.request(.DELETE, "/v1/uploads/\(id)", base: "https://127.0.0.1:\(ports[1])").status == .noContent)
        #expect(try await put(id, at: 100_000, envelope[100_000..<200_000], node: 0).status == .notFound)
        #expect(try await psql("SELECT (SELECT count(*) FROM uploads) + (SELECT count(*) FROM upload_chunks)") == "0")
    }

    @Test("kill -9 of a node during a large upload: the other node delivers nothing partial, and the database holds no partial envelope")
    func killDuringLargeUpload() async throws {
        use(0)
        let large = try relay.envelope(message: String(repeating: "large ", count: 2_000_000), suite: .x25519)
        let small = try relay.envelope(message: "small")
        #expect(try await relay.request(.POST, "/v1/reports", body: small).status == .accepted)
        var request = HTTPClientRequest(url: relay.base + "/v1/reports")
        request.method = .POST
        request.headers.add(name: RelayHeader.proofOfWork, value: try await relay.proofOfWork())
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        request.body = .stream(stream, length: .known(Int64(large.count)))
        let upload = Task { [relay] in try? await relay.client.execute(request, timeout: .seconds(30)) }
        let step = 1 << 20
        var sent = 0
        while sent + step < large.count {
            continuation.yield(ByteBuffer(bytes: large[sent..<sent + step]))
            sent += step
            try await Task.sleep(for: .milliseconds(20))
        }
        // All but the last MiB is in node A's partial file; then A dies.
        nodes[0].signal(SIGKILL)
        continuation.yield(ByteBuffer(bytes: large[sent...]))
        continuation.finish()
        #expect(await upload.value?.status != .accepted)
        use(1)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox")) == [DaemonTests.contentID(small)])
        #expect(try await psql("SELECT count(*) FROM envelopes") == "1")
        #expect(try await psql("""
            SELECT count(*) FROM envelopes e
            WHERE e.size <> (SELECT coalesce(sum(length(c.data)), 0) FROM chunks c WHERE c.blob = e.blob)
            """) == "0", "every envelope row has all its bytes")
        #expect(try await relay.signed(.GET, "/v1/inbox/\(DaemonTests.contentID(small))").body == small)
    }
}
