import Crypto
import Foundation
import NIOHTTP1
import SealCore
import Testing
@testable import SealRelay

@Suite("Report intake")
struct IntakeTests {
    @Test("a valid envelope is accepted with a receipt equal to its content id, and queued")
    func accepts() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let reply = try await relay.request(.POST, "/v1/reports", body: envelope)
        #expect(reply.status == .accepted)
        let receipt = try #require(reply.json["receipt"] as? String)
        #expect(receipt == Base64URL.encode(Array(SHA256Digest.of(envelope).prefix(16))))
        #expect(try await relay.kept() == ["\(receipt).receipt", "\(receipt).seal"], "the envelope and its signed receipt")
        await relay.stop()
    }

    @Test("garbage, a truncated header and a header that lies about its length are refused with 400",
          arguments: ["garbage", "truncated", "lying-length", "truncated-payload"])
    func refusesMalformed(kind: String) async throws {
        let relay = try await TestRelay()
        let good = try relay.envelope()
        let body: [UInt8]
        switch kind {
        case "garbage": body = Array("hello relay".utf8)
        case "truncated": body = Array(good.prefix(200))
        case "lying-length":
            var b = good
            b[6...9] = [0x00, 0x00, 0x00, 0x20]
            body = b
        default: body = Array(good.dropLast(100))
        }
        let reply = try await relay.request(.POST, "/v1/reports", body: body)
        #expect(reply.status == .badRequest)
        #expect((reply.json["error"] as? String)?.isEmpty == false)
        #expect(try await relay.kept().isEmpty)
        await relay.stop()
    }

    @Test("an envelope addressed to a key outside the bundle is refused, naming the problem")
    func refusesUnknownKid() async throws {
        let relay = try await TestRelay()
        let stranger = try ReviewerIdentity.generate(name: "mallory")
        let reply = try await relay.request(.POST, "/v1/reports", body: relay.envelope(to: [stranger.publicKey]))
        #expect(reply.status == .badRequest)
        #expect((reply.json["error"] as? String)?.contains("not in the current bundle") == true)
        #expect(try await relay.kept().isEmpty)
        await relay.stop()
    }

    @Test("an envelope over the size limit is refused with 413")
    func refusesOversize() async throws {
        let relay = try await TestRelay { $0.maxEnvelopeBytes = 20_000; $0.maxSpoolBytes = 1 << 20 }
        let reply = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: String(repeating: "x", count: 30_000)))
        #expect(reply.status == .payloadTooLarge)
        #expect(try await relay.kept().isEmpty)
        await relay.stop()
    }

    @Test("a full spool answers 507 and still delivers what it already holds")
    func fullSpool() async throws {
        let relay = try await TestRelay { $0.maxEnvelopes = 1 }
        let first = try relay.envelope(message: "first")
        #expect(try await relay.request(.POST, "/v1/reports", body: first).status == .accepted)
        let second = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "second"))
        #expect(second.status == .insufficientStorage)
        let inbox = try await relay.signed(.GET, "/v1/inbox")
        let ids = (inbox.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(ids.count == 1)
        let download = try await relay.signed(.GET, "/v1/inbox/\(ids[0])")
        #expect(download.body == first)
        await relay.stop()
    }

    @Test("stale partial uploads are removed at start-up and queued envelopes survive a restart")
    func restartRecovers() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        #expect(try await relay.request(.POST, "/v1/reports", body: envelope).status == .accepted)
        let stale = "\(relay.stateDirectory)/spool/incoming/stale.partial"
        #expect(FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3])))
        try await relay.restart()
        #expect(!FileManager.default.fileExists(atPath: stale))
        let inbox = try await relay.signed(.GET, "/v1/inbox", reviewer: 1)
        #expect((inbox.json["envelopes"] as? [Any])?.count == 1)
        await relay.stop()
    }

    @Test("payload lengths that cannot be a padded report are refused", arguments: [0, 15, 16, 17, 16_399, 65_552 + 16])
    func payloadLength(length: Int) {
        #expect(throws: IntakeError.self) { try EnvelopeValidator.checkPayloadLength(length) }
    }

    @Test("the payload length of a 16 KiB report is accepted")
    func payloadLengthOK() throws {
        try EnvelopeValidator.checkPayloadLength(16384 + 16)
        try EnvelopeValidator.checkPayloadLength(2 * 65552)
    }
}

enum SHA256Digest {
    static func of(_ bytes: [UInt8]) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: bytes))
    }
}
