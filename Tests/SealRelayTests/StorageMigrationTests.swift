import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import SealTestSupport
import Testing
@testable import SealRelay

/// `sealrelayd migrate`: a stopped relay's file spool moved into PostgreSQL (Deploy/postgresql.md).
@Suite("sealrelayd migrate")
final class StorageMigrationTests {
    func ids(_ reply: TestRelay.Reply) -> [String] {
        (reply.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    @Test("a stopped relay's reports, delivery state, replies and acknowledged ids move into the database, and the relay serves them from there")
    func movesEverything() async throws {
        let server = try SharedPostgres.server()
        let database = try await server.createDatabase()
        let relay = try await TestRelay(storage: .file)
        let waiting = try relay.envelope(message: "waiting for both")
        let half = try relay.envelope(message: "alice has it")
        let done = try relay.envelope(message: "both have it")
        var sent: [String] = []
        for envelope in [waiting, half, done] {
            sent.append(try #require(try await relay.request(.POST, "/v1/reports", body: envelope).json["receipt"] as? String))
        }
        #expect(try await relay.signed(.DELETE, "/v1/inbox/\(sent[1])", reviewer: 0).status == .noContent)
        for reviewer in 0..<2 { #expect(try await relay.signed(.DELETE, "/v1/inbox/\(sent[2])", reviewer: reviewer).status == .noContent) }
        let source = MailboxTests.source()
        let reply = try MailboxTests.reply(to: source, relay: relay)
        #expect(try await relay.signed(.POST, "/v1/replies/\(source.mailboxID)", body: reply).status == .accepted)
        let config = try await relay.handOverToDaemon()

        let (status, output) = try await ChildProcess.run(try RelayDaemon.binary(), [
            "migrate", "--config", config, "--to", server.url(database), "--storage-password-file", server.passwordFile])
        #expect(status == 0, "\(output)")
        let bytes = waiting.count + half.count + reply.count
        #expect(output.contains("moved 3 envelopes (\(bytes) bytes) and 1 acknowledged ids"), "\(output)")

        let daemon = try RelayDaemon(configPath: config)
        relay.tlsPort = try await daemon.port()
        #expect(Set(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0))) == [sent[0]])
        #expect(Set(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 1))) == [sent[0], sent[1]])
        #expect(try await relay.signed(.GET, "/v1/inbox/\(sent[1])", reviewer: 1).body == half)
        #expect(try await relay.request(.POST, "/v1/reports", body: done).status == .accepted)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 1)).count == 2, "the acknowledged one is not delivered again")
        let listing = try await relay.request(.GET, "/v1/mailbox", headers: MailboxTests.secretHeader(source))
        let replyID = try #require((listing.json["replies"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(try await relay.request(.GET, "/v1/mailbox/\(replyID)", headers: MailboxTests.secretHeader(source)).body == reply)
        let rows = try await server.client("psql", ["-At", "-c", "SELECT count(*) FROM envelopes", database])
        #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
    }

    @Test("migrate refuses a relay that is running")
    func refusesARunningRelay() async throws {
        let server = try SharedPostgres.server()
        let relay = try await TestRelay(storage: .file)
        let config = try await relay.handOverToDaemon()
        let daemon = try RelayDaemon(configPath: config)
        _ = try await daemon.port()
        let (status, output) = try await ChildProcess.run(try RelayDaemon.binary(), [
            "migrate", "--config", config, "--to", server.url(try await server.createDatabase()),
            "--storage-password-file", server.passwordFile])
        #expect(status == 1)
        #expect(output.contains("is running"), "\(output)")
        #expect(try String(contentsOfFile: config, encoding: .utf8).contains("storage = file"), "relay.conf is unchanged")
    }
}
