import Crypto
import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

@Suite("Reply mailboxes")
struct MailboxTests {
    /// A source's codename-derived secrets, and a reply envelope sealed to its reply key.
    static func source() -> CodenameSecrets { Codename.generate().secrets() }

    static func reply(to secrets: CodenameSecrets, message: String = "which plant?", relay: TestRelay,
                      suite: EnvelopeSuite = .x25519) throws -> [UInt8] {
        let out = EnvelopeBytes()
        var writer = try ReportWriter(kind: .reply, message: message, attachments: [], reply: nil, thread: secrets.thread)
        let recipient = try EnvelopeRecipient(replyKey: Array(secrets.replyKey.publicKey.rawRepresentation))
        try writer.seal(to: [recipient], suite: suite, bundleID: relay.relay.bundle.id, into: out)
        return out.bytes
    }

    static func secretHeader(_ secrets: CodenameSecrets) -> [(String, String)] {
        [("Mailbox-Secret", secrets.mailboxSecret.withUnsafeBytes { Base64URL.encode(Array($0)) })]
    }

    func post(_ relay: TestRelay, _ envelope: [UInt8], to mailbox: String, reviewer: Int = 0) async throws -> TestRelay.Reply {
        let path = "/v1/replies/\(mailbox)"
        return try await relay.signed(.POST, path, reviewer: reviewer, body: envelope)
    }

    func listing(_ relay: TestRelay, _ secrets: CodenameSecrets) async throws -> TestRelay.Reply {
        try await relay.request(.GET, "/v1/mailbox", headers: Self.secretHeader(secrets))
    }

    @Test("a reviewer's reply reaches the mailbox and only its secret reads it")
    func roundTrip() async throws {
        let relay = try await TestRelay()
        let source = Self.source()
        let envelope = try Self.reply(to: source, relay: relay)
        let posted = try await post(relay, envelope, to: source.mailboxID)
        #expect(posted.status == .accepted)
        let list = try await listing(relay, source)
        let entries = try #require(list.json["replies"] as? [[String: Any]])
        let id = try #require(entries.first?["id"] as? String)
        #expect(entries.count == 1 && id == posted.json["receipt"] as? String)
        #expect(try await relay.request(.GET, "/v1/mailbox/\(id)", headers: Self.secretHeader(source)).body == envelope)
        let stranger = Self.source()
        #expect(try await relay.request(.GET, "/v1/mailbox/\(id)", headers: Self.secretHeader(stranger)).status == .notFound)
        #expect(try await relay.request(.GET, "/v1/mailbox/\(id)").status == .badRequest)
        await relay.stop()
    }

    @Test("an unknown mailbox and an empty one answer identically")
    func unknownLooksEmpty() async throws {
        let relay = try await TestRelay()
        let used = Self.source()
        let unknown = Self.source()
        // Make the used mailbox exist on disk, then empty it by expiry.
        #expect(try await post(relay, Self.reply(to: used, relay: relay), to: used.mailboxID).status == .accepted)
        #expect(try await relay.relay.store.expire(now: Date().addingTimeInterval(60 * 86400)) == 1)
        let a = try await listing(relay, used)
        let b = try await listing(relay, unknown)
        #expect(a.status == .ok && b.status == .ok)
        #expect(a.body == b.body && a.body.count == b.body.count)
        #expect(String(decoding: a.body, as: UTF8.self) == #"{"replies":[]}"#)
        await relay.stop()
    }

    @Test("replies must be one X25519 stanza; an X-Wing or multi-stanza envelope is refused")
    func replyShape() async throws {
        let relay = try await TestRelay()
        let source = Self.source()
        #expect(try await post(relay, relay.envelope(suite: .x25519), to: source.mailboxID).status == .badRequest)
        let xwing = try relay.envelope(to: [relay.reviewers[0].publicKey], suite: .xwing)
        #expect(try await post(relay, xwing, to: source.mailboxID).status == .badRequest)
        let after = try await listing(relay, source)
        #expect((after.json["replies"] as? [Any])?.isEmpty == true)
        await relay.stop()
    }

    @Test("an unsigned or replayed reply upload is refused and changes nothing")
    func replyNeedsSignature() async throws {
        let relay = try await TestRelay()
        let source = Self.source()
        let envelope = try Self.reply(to: source, relay: relay)
        let unsigned = try await relay.request(.POST, "/v1/replies/\(source.mailboxID)", body: envelope)
        #expect(unsigned.status == .unauthorized)
        let path = "/v1/replies/\(source.mailboxID)"
        let headers = try relay.signatureHeaders(.POST, path, key: relay.credentials[0], body: envelope)
        #expect(try await relay.request(.POST, path, body: envelope, headers: headers).status == .accepted)
        #expect(try await relay.request(.POST, path, body: Self.reply(to: source, message: "again", relay: relay), headers: headers).status == .unauthorized)
        #expect((try await listing(relay, source).json["replies"] as? [Any])?.count == 1)
        await relay.stop()
    }

    @Test("an oversized reply is refused with 413")
    func oversized() async throws {
        let relay = try await TestRelay { $0.maxEnvelopeBytes = 20_000; $0.maxSpoolBytes = 1 << 20 }
        let source = Self.source()
        let big = try Self.reply(to: source, message: String(repeating: "x", count: 40_000), relay: relay)
        #expect(try await post(relay, big, to: source.mailboxID).status == .payloadTooLarge)
        await relay.stop()
    }

    @Test("a malformed mailbox id is just not found", arguments: ["short", "..", "AAAAAAAAAAAAAAAAAAAAA%2F"])
    func malformedMailbox(mailbox: String) async throws {
        let relay = try await TestRelay()
        let reply = try await post(relay, Self.reply(to: Self.source(), relay: relay), to: mailbox)
        #expect(reply.status == .notFound)
        await relay.stop()
    }

    @Test("replies survive a restart")
    func persist() async throws {
        let relay = try await TestRelay()
        let source = Self.source()
        #expect(try await post(relay, Self.reply(to: source, relay: relay), to: source.mailboxID).status == .accepted)
        try await relay.restart()
        #expect((try await listing(relay, source).json["replies"] as? [Any])?.count == 1)
        await relay.stop()
    }
}
