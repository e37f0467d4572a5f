import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

@Suite("Reviewer inbox")
struct InboxTests {
    func ids(_ reply: TestRelay.Reply) -> [String] {
        (reply.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    @Test("each reviewer sees only envelopes addressed to them; acknowledging removes it from their inbox only")
    func addressing() async throws {
        let relay = try await TestRelay()
        let both = try relay.envelope(message: "to both")
        let aliceOnly = try relay.envelope(message: "to alice", to: [relay.reviewers[0].publicKey])
        for e in [both, aliceOnly] { #expect(try await relay.request(.POST, "/v1/reports", body: e).status == .accepted) }
        let alice = ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0))
        let bob = ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 1))
        #expect(alice.count == 2 && bob.count == 1)
        let shared = try #require(bob.first)
        #expect(try await relay.signed(.GET, "/v1/inbox/\(shared)", reviewer: 1).body == both)
        #expect(try await relay.signed(.DELETE, "/v1/inbox/\(shared)", reviewer: 1).status == .noContent)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 1)).isEmpty)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0)).count == 2)
        #expect(try await relay.kept().contains("\(shared).seal"))
        #expect(try await relay.signed(.DELETE, "/v1/inbox/\(shared)", reviewer: 0).status == .noContent)
        #expect(try await !relay.kept().contains("\(shared).seal"), "deleted once every addressed reviewer acknowledged")
        let aliceOnlyID = try #require(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0)).first)
        #expect(try await relay.signed(.GET, "/v1/inbox/\(aliceOnlyID)", reviewer: 1).status == .notFound)
        #expect(try await relay.signed(.DELETE, "/v1/inbox/\(aliceOnlyID)", reviewer: 1).status == .notFound)
        await relay.stop()
    }

    @Test("acknowledgements survive a restart")
    func acksPersist() async throws {
        let relay = try await TestRelay()
        #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope()).status == .accepted)
        let id = try #require(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0)).first)
        #expect(try await relay.signed(.DELETE, "/v1/inbox/\(id)", reviewer: 0).status == .noContent)
        try await relay.restart()
        #expect(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0)).isEmpty)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 1)) == [id])
        await relay.stop()
    }

    @Test("the inbox lists envelopes in random order")
    func randomOrder() async throws {
        let relay = try await TestRelay()
        for i in 0..<6 {
            #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "m\(i)", suite: .x25519)).status == .accepted)
        }
        var orders: Set<[String]> = []
        for _ in 0..<8 { orders.insert(ids(try await relay.signed(.GET, "/v1/inbox"))) }
        #expect(orders.count > 1, "8 listings of 6 envelopes all came back in one order")
        await relay.stop()
    }

    @Test("an expired envelope is deleted by the sweeper")
    func expiry() async throws {
        let relay = try await TestRelay()
        #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope()).status == .accepted)
        #expect(try await relay.relay.store.expire(now: Date().addingTimeInterval(29 * 86400)) == 0)
        #expect(try await relay.relay.store.expire(now: Date().addingTimeInterval(38 * 86400)) == 1)
        #expect(try await relay.kept().isEmpty)
        await relay.stop()
    }

    @Test("spool files carry only a day-resolution time",
          .fileSpoolOnly("the database keeps days in rows; StorageTests searches its dump for any time"))
    func fileTimes() async throws {
        let relay = try await TestRelay()
        #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope()).status == .accepted)
        for name in try await relay.kept() {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(relay.stateDirectory)/spool/envelopes/\(name)")
            let modified = try #require(attributes[.modificationDate] as? Date)
            #expect(modified.timeIntervalSince1970.truncatingRemainder(dividingBy: 86400) == 0)
        }
        await relay.stop()
    }
}

@Suite("Reviewer authentication (RFC 9421)")
struct AuthenticationTests {
    @Test("an unsigned request is refused")
    func unsigned() async throws {
        let relay = try await TestRelay()
        #expect(try await relay.request(.GET, "/v1/inbox").status == .unauthorized)
        await relay.stop()
    }

    @Test("a replayed signature is refused the second time")
    func replay() async throws {
        let relay = try await TestRelay()
        let headers = try relay.signatureHeaders(.GET, "/v1/inbox", key: relay.credentials[0])
        #expect(try await relay.request(.GET, "/v1/inbox", headers: headers).status == .ok)
        let second = try await relay.request(.GET, "/v1/inbox", headers: headers)
        #expect(second.status == .unauthorized)
        #expect((second.json["error"] as? String)?.contains("already used") == true)
        await relay.stop()
    }

    @Test("a signature for another path or method does not verify")
    func boundToRequest() async throws {
        let relay = try await TestRelay()
        let headers = try relay.signatureHeaders(.GET, "/v1/inbox", key: relay.credentials[0])
        let reply = try await relay.request(.DELETE, "/v1/inbox/AAAAAAAAAAAAAAAAAAAAAA", headers: headers)
        #expect(reply.status == .unauthorized)
        await relay.stop()
    }

    @Test("a signature outside the time window is refused", arguments: [-600.0, 600.0])
    func window(offset: Double) async throws {
        let relay = try await TestRelay()
        let reply = try await relay.signed(.GET, "/v1/inbox", now: Date().addingTimeInterval(offset))
        #expect(reply.status == .unauthorized)
        await relay.stop()
    }

    @Test("a credential the relay does not know is refused")
    func unknownCredential() async throws {
        let relay = try await TestRelay()
        let stranger = try SigningKey.generate(.fetchCredential(name: "alice"))
        let reply = try await relay.request(.GET, "/v1/inbox", headers: relay.signatureHeaders(.GET, "/v1/inbox", key: stranger))
        #expect(reply.status == .unauthorized)
        await relay.stop()
    }

    @Test("path traversal in an inbox id is just an unknown envelope", arguments: ["..%2F..%2Frelay.seckey", "..", "AAAA", "%2Fetc%2Fpasswd"])
    func traversal(id: String) async throws {
        let relay = try await TestRelay()
        let reply = try await relay.signed(.GET, "/v1/inbox/\(id)")
        #expect(reply.status == .notFound)
        #expect(!String(decoding: reply.body, as: UTF8.self).contains("ed25519"))
        await relay.stop()
    }
}
