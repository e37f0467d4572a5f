import Crypto
import Foundation
import Logging
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

/// docs/API.md "Receipts": the relay answers an accepted envelope with its id, the day and
/// its relay key's signature, keeps that receipt with the envelope, and serves it to
/// reviewers with the envelope in `Seal-Receipt`.
@Suite("Signed receipts")
struct SignedReceiptTests {
    static func relayPublicKey(_ relay: TestRelay) throws -> [UInt8] {
        let object = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(relay.stateDirectory)/relay.pub"))) as? [String: Any])
        let text = try #require(object["ed25519"] as? String)
        return try #require(Base64URL.decode(text, count: 32))
    }

    static func today() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }

    static func receipt(_ json: [String: Any]) throws -> SignedReceipt {
        let id = try #require(json["receipt"] as? String)
        return SignedReceipt(receipt: try #require(EnvelopeID(id)),
                             day: try #require(json["day"] as? String), sig: try #require(json["sig"] as? String))
    }

    @Test("the 202 carries the id, today's day and a signature by the key in STATEDIR/relay.pub")
    func acceptedReceiptIsSigned() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let reply = try await relay.request(.POST, "/v1/reports", body: envelope)
        #expect(reply.status == .accepted)
        let receipt = try Self.receipt(reply.json)
        #expect(receipt.receipt.bytes == Array(SHA256Digest.of(envelope).prefix(16)))
        #expect(receipt.day == Self.today())
        let key = try Self.relayPublicKey(relay)
        #expect(receipt.isSigned(byAnyOf: [key]))
        // The signature covers the day: the same signature for another day does not verify.
        #expect(!SignedReceipt(receipt: receipt.receipt, day: "2020-01-01", sig: receipt.sig).isSigned(byAnyOf: [key]))
        #expect(!receipt.isSigned(byAnyOf: [try SigningKey.generate(.relay).publicKey]))
        await relay.stop()
    }

    @Test("the reviewer gets the same signed receipt with the envelope, also after a restart")
    func receiptIsServedWithTheEnvelope() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let given = try Self.receipt(try await relay.request(.POST, "/v1/reports", body: envelope).json)
        try await relay.restart()
        let download = try await relay.signed(.GET, "/v1/inbox/\(given.receipt)")
        #expect(download.status == .ok && download.body == envelope)
        let header = try #require(download.headers.first(name: RelayHeader.receipt))
        #expect(SignedReceipt(headerValue: header) == given)
        await relay.stop()
    }

    @Test("the same bytes posted again while queued get the receipt first given, not a new one")
    func repeatedUploadGetsTheKeptReceipt() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let first = try await relay.request(.POST, "/v1/reports", body: envelope)
        let kept = try #require(try await relay.kept().first { $0.hasSuffix(".receipt") })
        // The kept receipt is what a later answer is read from: change its day (and so its
        // signature's validity) and the repeat answer shows it.
        let stored = try Self.receipt(first.json)
        let altered = SignedReceipt(receipt: stored.receipt, day: "2020-01-01", sig: stored.sig)
        if relay.database != nil {
            let hex = try altered.encoded().map { String(format: "%02x", $0) }.joined()
            _ = try await relay.rows("UPDATE envelopes SET receipt = '\\x\(hex)' WHERE id = '\(stored.receipt)'")
        } else {
            try AtomicFile.write(try altered.encoded(), to: "\(relay.stateDirectory)/spool/envelopes/\(kept)", mode: 0o600, replaceExisting: true)
        }
        let second = try await relay.request(.POST, "/v1/reports", body: envelope)
        #expect(second.status == .accepted)
        #expect(try Self.receipt(second.json) == altered)
        await relay.stop()
    }

    @Test("an envelope a crash left without its receipt gets one when posted again, and the reviewer is given that one",
          .fileSpoolOnly("the database commits an envelope and its receipt in one transaction, so no crash parts them"))
    func envelopeWithoutReceiptGetsOneOnRepeat() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let id = try Self.receipt(try await relay.request(.POST, "/v1/reports", body: envelope).json).receipt
        // The envelope's rename reached the disk and the receipt's did not: the sender saw no
        // 202 then, and tries again.
        try FileManager.default.removeItem(atPath: "\(relay.stateDirectory)/spool/envelopes/\(id).receipt")
        try await relay.restart()
        let repeated = try await relay.request(.POST, "/v1/reports", body: envelope)
        #expect(repeated.status == .accepted)
        let given = try Self.receipt(repeated.json)
        let download = try await relay.signed(.GET, "/v1/inbox/\(id)")
        #expect(SignedReceipt(headerValue: try #require(download.headers.first(name: RelayHeader.receipt))) == given)
        #expect(try await relay.kept() == ["\(id).receipt", "\(id).seal"])
        await relay.stop()
    }

    @Test("an acknowledged envelope's receipt goes with it, and a receipt without an envelope goes at start-up")
    func receiptsLeaveWithTheirEnvelopes() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let id = try Self.receipt(try await relay.request(.POST, "/v1/reports", body: envelope).json).receipt
        #expect(try await relay.kept() == ["\(id).receipt", "\(id).seal"])
        for reviewer in 0..<2 {
            #expect(try await relay.signed(.DELETE, "/v1/inbox/\(id)", reviewer: reviewer).status == .noContent)
        }
        #expect(try await relay.kept().isEmpty)
        let orphan = EnvelopeID.random()
        try AtomicFile.write(try SignedReceipt.sign(orphan, with: try SigningKey.generate(.relay)).encoded(),
                             to: "\(relay.stateDirectory)/spool/envelopes/\(orphan).receipt", mode: 0o600)
        try await relay.restart()
        #expect(try await relay.kept().isEmpty)
        await relay.stop()
    }

    @Test("a relay whose relay.seckey is missing does not start, and says which file")
    func relayKeyIsRequired() async throws {
        let relay = try await TestRelay()
        await relay.stop()
        try FileManager.default.removeItem(atPath: "\(relay.stateDirectory)/relay.seckey")
        #expect {
            _ = try Relay(config: relay.relay.config, logger: .init(label: "test"))
        } throws: { error in
            "\(error)".contains("relay.seckey")
        }
    }
}
