import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SealAPI
import SealCore
import SealTestSupport
import Testing
@testable import SealRelay

/// What only the database backend has (docs/ARCHITECTURE.md "Storage"): chunks, an outage, the
/// shared spent set, the dump. The behaviours both backends share are the rest of the relay
/// suite, which `make test` runs on each.
@Suite("Storage backends")
final class StorageTests {
    func ids(_ reply: TestRelay.Reply) -> [String] {
        (reply.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    @Test("the database keeps a report in chunks of at most 1 MiB and hands it back whole")
    func chunks() async throws {
        let server = try SharedPostgres.server()
        let relay = try await TestRelay(storage: .postgresql, server: server)
        let envelope = try relay.envelope(message: String(repeating: "chunk ", count: 500_000), suite: .x25519)
        #expect(envelope.count > 2 << 20)
        let id = try #require(try await relay.request(.POST, "/v1/reports", body: envelope).json["receipt"] as? String)
        let database = try #require(relay.database?.name)
        let stats = try await server.client("psql", ["-At", "-c", "SELECT count(*), max(length(data)), sum(length(data)) FROM chunks", database])
        #expect(stats.trimmingCharacters(in: .whitespacesAndNewlines) == "3|\(1 << 20)|\(envelope.count)")
        #expect(try await relay.signed(.GET, "/v1/inbox/\(id)").body == envelope)
        await relay.stop()
    }

    /// The quotas' totals (`usage`) and a count of the envelopes themselves, as "n|bytes".
    func totals(_ relay: TestRelay) async throws -> (kept: String, counted: String) {
        (try await relay.rows("SELECT sum(envelopes), sum(bytes) FROM usage").map { $0.joined(separator: "|") }.joined(),
         try await relay.rows("SELECT count(*), coalesce(sum(size), 0) FROM envelopes").map { $0.joined(separator: "|") }.joined())
    }

    @Test("the totals the quotas read follow every stored, acknowledged and expired envelope exactly")
    func usageFollowsTheEnvelopes() async throws {
        let relay = try await TestRelay(storage: .postgresql)
        var ids: [String] = []
        for i in 0..<3 {
            ids.append(try #require(try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "report \(i)")).json["receipt"] as? String))
        }
        let source = MailboxTests.source()
        let reply = try MailboxTests.reply(to: source, relay: relay)
        #expect(try await relay.signed(.POST, "/v1/replies/\(source.mailboxID)", body: reply).status == .accepted)
        var totals = try await self.totals(relay)
        #expect(totals.kept == totals.counted && totals.counted.hasPrefix("4|"), "\(totals)")
        for reviewer in 0..<2 { #expect(try await relay.signed(.DELETE, "/v1/inbox/\(ids[0])", reviewer: reviewer).status == .noContent) }
        totals = try await self.totals(relay)
        #expect(totals.kept == totals.counted && totals.counted.hasPrefix("3|"), "\(totals)")
        #expect(try await relay.relay.store.expire(now: Date().addingTimeInterval(90 * 86400)) == 3)
        #expect(try await self.totals(relay).kept == "0|0")
        await relay.stop()
    }

    @Test("a database from before the totals existed gets them counted when a node upgrades it")
    func usageCountedAtUpgrade() async throws {
        let relay = try await TestRelay(storage: .postgresql)
        for i in 0..<3 { #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "old \(i)")).status == .accepted) }
        await relay.stop()
        // Back to schema 3, as a relay of the previous version left it.
        for sql in ["DROP TRIGGER envelopes_usage ON envelopes", "DROP FUNCTION sealrelay_count_usage", "DROP TABLE usage",
                    "UPDATE sealrelay_schema SET version = 3"] {
            _ = try await relay.rows(sql)
        }
        try await relay.restart()
        #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "new")).status == .accepted)
        let totals = try await self.totals(relay)
        #expect(totals.kept == totals.counted && totals.counted.hasPrefix("4|"), "\(totals)")
        await relay.stop()
    }

    @Test("with the database stopped, uploads and reads get 503 storage_unavailable, and the relay accepts again once it returns, without a restart")
    func databaseOutage() async throws {
        let server = try PostgresServer()
        let relay = try await TestRelay(storage: .postgresql, server: server)
        let first = try #require(try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "before")).json["receipt"] as? String)
        try server.stop()
        let down = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "while down"))
        #expect(down.status == .serviceUnavailable && down.json["code"] as? String == "storage_unavailable")
        #expect(try await relay.signed(.GET, "/v1/inbox").status == .serviceUnavailable)

        try server.start()
        var back = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "after"))
        let deadline = Date().addingTimeInterval(30)
        while back.status != .accepted, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            back = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "after"))
        }
        #expect(back.status == .accepted, "the relay accepts again without a restart")
        let last = try #require(back.json["receipt"] as? String)
        #expect(Set(ids(try await relay.signed(.GET, "/v1/inbox"))) == [first, last], "the refused upload left nothing")
        await relay.stop()
    }

    @Test("with the database stopped, a proof-of-work token and a signature get 503 storage_unavailable and are not spent: both pass once it returns")
    func outageSpendsNothing() async throws {
        let server = try PostgresServer()
        let relay = try await TestRelay(storage: .postgresql, server: server)
        let token = try await relay.proofOfWork()
        let signature = try relay.signatureHeaders(.GET, "/v1/inbox", key: relay.credentials[0])
        try server.stop()
        let paid = try await relay.request(.POST, "/v1/uploads", headers: [(RelayHeader.proofOfWork, token)])
        #expect(paid.status == .serviceUnavailable && paid.json["code"] as? String == "storage_unavailable", "\(paid.json)")
        let signed = try await relay.request(.GET, "/v1/inbox", headers: signature)
        #expect(signed.status == .serviceUnavailable && signed.json["code"] as? String == "storage_unavailable", "\(signed.json)")

        try server.start()
        var again = try await relay.request(.POST, "/v1/uploads", headers: [(RelayHeader.proofOfWork, token)])
        let deadline = Date().addingTimeInterval(30)
        while again.status == .serviceUnavailable, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            again = try await relay.request(.POST, "/v1/uploads", headers: [(RelayHeader.proofOfWork, token)])
        }
        #expect(again.status == .created, "the token refused with 503 was not spent")
        #expect(try await relay.request(.GET, "/v1/inbox", headers: signature).status == .ok, "nor was the nonce")
        #expect(try await relay.request(.GET, "/v1/inbox", headers: signature).status == .unauthorized, "now it is")
        await relay.stop()
    }

    @Test("spent challenges and used nonces are kept in the database as a key and a day, and swept a day after that day")
    func usedOnceRows() async throws {
        let server = try SharedPostgres.server()
        let relay = try await TestRelay(storage: .postgresql, server: server)
        let database = try #require(relay.database?.name)
        func psql(_ sql: String) async throws -> String {
            try await server.client("psql", ["-At", "-c", sql, database]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let token = try await relay.proofOfWork()
        #expect(try await relay.request(.POST, "/v1/uploads", headers: [(RelayHeader.proofOfWork, token)]).status == .created)
        #expect(try await relay.signed(.GET, "/v1/inbox").status == .ok)
        let challenge = try #require(PoWToken(header: token)).challenge
        let today = Spool.day(of: Date())
        for table in ["spent_challenges", "used_nonces"] {
            #expect(try await psql("""
                SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY column_name) FROM information_schema.columns
                WHERE table_name = '\(table)'
                """) == "expiry_day:integer,key:bytea", "\(table) holds a key and a day, nothing else")
        }
        #expect(try await psql("SELECT encode(key, 'hex') || '|' || expiry_day FROM spent_challenges")
                == "\(Hex.encode(Array(challenge.random)))|\(Int(challenge.expiryMinute) / 1440)")
        let nonceDay = Int(try await psql("SELECT expiry_day FROM used_nonces")) ?? 0
        #expect(nonceDay == today || nonceDay == today + 1, "the day the signature stops passing")
        _ = try await relay.relay.store.expire(now: Date())
        #expect(try await psql("SELECT count(*) FROM spent_challenges") == "1", "kept while its day may still be live at a node")
        _ = try await psql("UPDATE spent_challenges SET expiry_day = \(today - 2); UPDATE used_nonces SET expiry_day = \(today - 2)")
        _ = try await relay.relay.store.expire(now: Date())
        #expect(try await psql("SELECT (SELECT count(*) FROM spent_challenges) + (SELECT count(*) FROM used_nonces)") == "0")
        await relay.stop()
    }

    @Test("uploads in flight when the database stops each get 202 after a commit or 503, and exactly the 202s are kept")
    func databaseStopsUnderUploads() async throws {
        let server = try PostgresServer()
        let relay = try await TestRelay(storage: .postgresql, server: server)
        let envelopes = try (0..<12).map { try relay.envelope(message: "outage \($0) " + String(repeating: "x", count: 200_000), suite: .x25519) }
        let answers = try await withThrowingTaskGroup(of: (Int, TestRelay.Reply).self) { group in
            for i in envelopes.indices {
                group.addTask { (i, try await relay.request(.POST, "/v1/reports", body: envelopes[i])) }
            }
            try await Task.sleep(for: .milliseconds(50))
            try server.stop()
            var answers: [Int: TestRelay.Reply] = [:]
            for try await (i, reply) in group { answers[i] = reply }
            return answers
        }
        #expect(answers.values.allSatisfy { $0.status == .accepted || $0.json["code"] as? String == "storage_unavailable" })
        try server.start()
        var inbox = try await relay.signed(.GET, "/v1/inbox")
        let deadline = Date().addingTimeInterval(30)
        while inbox.status != .ok, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            inbox = try await relay.signed(.GET, "/v1/inbox")
        }
        let accepted = answers.filter { $0.value.status == .accepted }.keys.map { DaemonTests.contentID(envelopes[$0]) }
        #expect(Set(ids(inbox)) == Set(accepted))
        await relay.stop()
    }

    @Test("a pg_dump of the database holds the envelopes but no client marker, no client address and no timestamp")
    func dumpHoldsNoMetadata() async throws {
        let server = try SharedPostgres.server()
        let relay = try await TestRelay(storage: .postgresql, server: server)
        let database = try #require(relay.database?.name)
        let envelope = try relay.envelope()
        let path = "\(relay.dir)/upload.seal"
        try Data(envelope).write(to: URL(fileURLWithPath: path))
        let response = try await MetadataPolicyTests().curl(relay, [
            "--data-binary", "@\(path)", "-H", "Content-Type: application/octet-stream",
            "-H", "\(RelayHeader.proofOfWork): \(try await relay.proofOfWork())", "\(relay.base)/v1/reports"])
        #expect(response.contains("202"))
        await relay.stop()
        let dump = try await server.dump(database)
        #expect(dump.contains(DaemonTests.contentID(envelope)), "the dump holds the envelope's row")
        #expect(!dump.lowercased().contains("timestamp"), "no column or value is a timestamp")
        let serverLog = (try? String(contentsOfFile: server.directory.file("server.log"), encoding: .utf8)) ?? ""
        for marker in MetadataPolicyTests.markers {
            #expect(!dump.contains(marker), "\(marker) found in the dump")
            #expect(!serverLog.contains(marker), "\(marker) found in PostgreSQL's log")
        }
    }
}
