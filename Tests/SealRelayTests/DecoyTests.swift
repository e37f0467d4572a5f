import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

/// Cover traffic (docs/ARCHITECTURE.md "Decoys"): an envelope with a stanza for the decoy
/// kid, at a relay with `decoys = on`, is answered as a report is and kept nowhere.
@Suite("Decoys")
struct DecoyTests {
    /// What the page sends as a decoy, as the relay sees it: a real short report whose first
    /// reviewer's kid is replaced by the decoy kid (22 base64url characters for 22, so the
    /// size is a report's; the header MAC no longer verifies, which no relay can check).
    static func decoy(_ relay: TestRelay) throws -> [UInt8] {
        var bytes = try relay.envelope(suite: .x25519)
        let kid = Array(relay.reviewers[0].publicKey.kid.base64URL.utf8)
        let range = try #require(bytes.firstRange(of: kid))
        bytes.replaceSubrange(range, with: Array(Decoy.kid.base64URL.utf8))
        return bytes
    }

    static func decoysOn() async throws -> TestRelay {
        try await TestRelay { $0.decoys = true }
    }

    /// create, one PUT, complete: the page's way in. The first answer that is not a success.
    static func upload(_ relay: TestRelay, _ bytes: [UInt8]) async throws -> TestRelay.Reply {
        let created = try await relay.request(.POST, "/v1/uploads")
        let id = try #require(created.json["upload"] as? String)
        let put = try await relay.request(.PUT, "/v1/uploads/\(id)", body: bytes, headers: [("Upload-Offset", "0")])
        guard put.status == .ok else { return put }
        return try await relay.request(.POST, "/v1/uploads/\(id)/complete")
    }

    static func incoming(_ relay: TestRelay) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: "\(relay.stateDirectory)/spool/incoming")) ?? []
    }

    @Test("with decoys on, a decoy uploaded as the page does gets a signed receipt for its bytes and leaves no file and no receipt record")
    func decoyIsAnsweredAndForgotten() async throws {
        let relay = try await Self.decoysOn()
        let decoy = try Self.decoy(relay)
        let reply = try await Self.upload(relay, decoy)
        #expect(reply.status == .accepted)
        let receipt = try SignedReceiptTests.receipt(reply.json)
        #expect(receipt.receipt.description == DaemonTests.contentID(decoy))
        #expect(receipt.day == SignedReceiptTests.today())
        #expect(receipt.isSigned(byAnyOf: [try SignedReceiptTests.relayPublicKey(relay)]))
        #expect(try await relay.kept().isEmpty, "no envelope and no receipt record")
        #expect(Self.incoming(relay).isEmpty, "no partial file")
        #expect(await relay.relay.spool.count == 0)
        #expect((try await relay.signed(.GET, "/v1/inbox").json["envelopes"] as? [Any])?.isEmpty == true)
        await relay.stop()
    }

    @Test("with decoys on, a decoy in a single POST /v1/reports is answered and kept nowhere either")
    func decoyInOneRequestIsForgotten() async throws {
        let relay = try await Self.decoysOn()
        let decoy = try Self.decoy(relay)
        let reply = try await relay.request(.POST, "/v1/reports", body: decoy)
        #expect(reply.status == .accepted)
        #expect(reply.json["receipt"] as? String == DaemonTests.contentID(decoy))
        #expect(try await relay.kept().isEmpty)
        #expect(Self.incoming(relay).isEmpty)
        await relay.stop()
    }

    @Test("with decoys on, a real report is queued, and its answer has exactly the length and fields of a decoy's")
    func realReportStillWorks() async throws {
        let relay = try await Self.decoysOn()
        let decoyAnswer = try await Self.upload(relay, try Self.decoy(relay))
        let report = try relay.envelope(suite: .x25519)
        let answer = try await Self.upload(relay, report)
        #expect(answer.status == .accepted)
        let id = DaemonTests.contentID(report)
        #expect(answer.json["receipt"] as? String == id)
        #expect(try await relay.kept() == ["\(id).receipt", "\(id).seal"])
        #expect(try await relay.signed(.GET, "/v1/inbox/\(id)").body == report)
        #expect(answer.body.count == decoyAnswer.body.count)
        #expect(Set(answer.json.keys) == Set(decoyAnswer.json.keys))
        await relay.stop()
    }

    @Test("with decoys off, a decoy is refused as any envelope to a kid outside the bundle always was, and nothing is kept")
    func decoysOffRefuses() async throws {
        let relay = try await TestRelay()
        let reply = try await Self.upload(relay, try Self.decoy(relay))
        #expect(reply.status == .badRequest)
        #expect(reply.json["code"] as? String == "malformed")
        #expect(String(decoding: reply.body, as: UTF8.self).contains(Decoy.kid.base64URL), "named as an unknown recipient")
        #expect(try await relay.kept().isEmpty)
        #expect(Self.incoming(relay).isEmpty)
        await relay.stop()
    }

    @Test("the served page says whether decoys are on, in its seal-decoys meta tag", arguments: [true, false])
    func pageLearnsTheSetting(on: Bool) async throws {
        let relay = try await TestRelay { $0.decoys = on }
        let html = String(decoding: try await relay.request(.GET, "/").body, as: UTF8.self)
        await relay.stop()
        #expect(html.contains("<meta name=\"seal-decoys\" content=\"\(on ? "on" : "off")\">"))
        #expect(!html.contains(WebRoutes.decoysPlaceholder))
    }

    @Test("decoys = on survives relay.conf being written out and read back; other values are refused")
    func configRoundTrip() throws {
        let on = try RelayConfig.load(text: "decoys = on")
        #expect(on.decoys)
        #expect(try RelayConfig.load(text: on.rendered()).decoys)
        #expect(try RelayConfig.load(text: "decoys = off").decoys == false)
        #expect(try RelayConfig.load(text: "").decoys == false, "off unless asked for")
        #expect(throws: ConfigError.self) { try RelayConfig.load(text: "decoys = yes") }
    }
}
