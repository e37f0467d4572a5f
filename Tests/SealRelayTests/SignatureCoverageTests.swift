import CoreFoundation
import Crypto
import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

@Suite("What a reviewer's signature covers")
struct SignatureCoverageTests {
    @Test("a signature made for another authority is refused")
    func boundToAuthority() async throws {
        let relay = try await TestRelay()
        let headers = try relay.signatureHeaders(.GET, "/v1/inbox", key: relay.credentials[0], authority: "relay.example:443")
        let reply = try await relay.request(.GET, "/v1/inbox", headers: headers)
        #expect(reply.status == .unauthorized)
        #expect(reply.json["code"] as? String == "unauthorized")
        await relay.stop()
    }

    @Test("a reply whose body is not the one its signed Content-Digest names is refused, and nothing is queued")
    func boundToBody() async throws {
        let relay = try await TestRelay()
        let source = MailboxTests.source()
        let signedFor = try MailboxTests.reply(to: source, relay: relay)
        let sent = try MailboxTests.reply(to: source, message: "other words", relay: relay)
        let path = "/v1/replies/\(source.mailboxID)"
        let headers = try relay.signatureHeaders(.POST, path, key: relay.credentials[0], body: signedFor)
        let reply = try await relay.request(.POST, path, body: sent, headers: headers)
        #expect(reply.status == .badRequest)
        #expect(reply.json["code"] as? String == "digest_mismatch")
        #expect((try await relay.request(.GET, "/v1/mailbox", headers: MailboxTests.secretHeader(source))
            .json["replies"] as? [Any])?.isEmpty == true)
        await relay.stop()
    }

    @Test("a request with a body whose signature does not cover content-digest is refused")
    func bodyNeedsDigest() async throws {
        let relay = try await TestRelay()
        let source = MailboxTests.source()
        let path = "/v1/replies/\(source.mailboxID)"
        let headers = try relay.signatureHeaders(.POST, path, key: relay.credentials[0])
        let reply = try await relay.request(.POST, path, body: MailboxTests.reply(to: source, relay: relay), headers: headers)
        #expect(reply.status == .unauthorized)
        await relay.stop()
    }

    @Test("an unknown credential and a bad signature get the same answer, byte for byte")
    func unknownLooksLikeBad() async throws {
        let relay = try await TestRelay()
        let stranger = try SigningKey.generate(.fetchCredential(name: "alice"))
        let unknown = try await relay.request(.GET, "/v1/inbox", headers: relay.signatureHeaders(.GET, "/v1/inbox", key: stranger))
        var forged = try relay.signatureHeaders(.GET, "/v1/inbox", key: relay.credentials[0])
        // Alice's keyid and parameters, with a signature made by someone else.
        let strangers = try relay.signatureHeaders(.GET, "/v1/inbox", key: stranger)
        forged[1] = strangers[1]
        let bad = try await relay.request(.GET, "/v1/inbox", headers: forged)
        #expect(unknown.status == .unauthorized && bad.status == .unauthorized)
        #expect(unknown.body == bad.body)
        // Every header but Date, which only says when each answer was sent.
        func fields(_ reply: TestRelay.Reply) -> [String] {
            reply.headers.filter { $0.name.lowercased() != "date" }.map { "\($0.name): \($0.value)" }
        }
        #expect(fields(unknown) == fields(bad))
        await relay.stop()
    }

    @Test("a signature accepted before a restart is refused after it")
    func nonceSurvivesRestart() async throws {
        let relay = try await TestRelay()
        let headers = try relay.signatureHeaders(.GET, "/v1/inbox", key: relay.credentials[0])
        #expect(try await relay.request(.GET, "/v1/inbox", headers: headers).status == .ok)
        let signedAuthority = "127.0.0.1:\(relay.tlsPort)"
        try await relay.restart()
        // The restarted relay listens on a new port: the replay names the old authority in
        // Host, exactly as it was signed, so only the nonce can stop it.
        let reply = try await relay.request(.GET, "/v1/inbox", headers: headers + [("Host", signedAuthority)])
        #expect(reply.status == .unauthorized)
        #expect(reply.json["code"] as? String == "signature_replayed")
        await relay.stop()
    }
}

@Suite("The nonce cache")
struct NonceCacheTests {
    let alice = String(repeating: "a", count: 64)
    let bob = String(repeating: "b", count: 64)
    let now = Date(timeIntervalSince1970: 1_000_000)

    func use(_ cache: inout NonceCache, _ keyID: String, _ nonce: String, at time: Date? = nil) -> Bool {
        let at = time ?? now
        return cache.insert(keyID: keyID, nonce: nonce, until: at.addingTimeInterval(60), now: at)
    }

    @Test("a nonce is accepted once")
    func once() {
        var cache = NonceCache(path: nil, window: 60, capacity: 10)
        let first = use(&cache, alice, "n1")
        let second = use(&cache, alice, "n1")
        #expect(first && !second)
    }

    @Test("a credential that fills its share is refused alone; another still gets in")
    func fullShareRefusesOnlyItsCredential() {
        var cache = NonceCache(path: nil, window: 60, capacity: 3)
        let filled = (0..<3).allSatisfy { use(&cache, alice, "n\($0)") }
        let aliceAgain = use(&cache, alice, "n3")
        let bobFirst = use(&cache, bob, "n3")
        #expect(filled && !aliceAgain && bobFirst)
    }

    @Test("a full share forgets expired nonces first")
    func expiredGoFirst() {
        var cache = NonceCache(path: nil, window: 60, capacity: 3)
        let filled = (0..<3).allSatisfy { use(&cache, alice, "n\($0)") }
        let later = use(&cache, alice, "n3", at: now.addingTimeInterval(61))
        #expect(filled && later)
    }

    @Test("the nonce file holds hashes and no times, and a reloaded cache refuses what it holds")
    func persisted() throws {
        let path = NSTemporaryDirectory() + "nonces-" + UUID().uuidString
        defer { unlink(path) }
        var cache = NonceCache(path: path, window: 60, capacity: 10)
        #expect(use(&cache, alice, "n1"))
        #expect(try InputFile.readAll(path: path, limit: 1 << 20).count == 48)
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mtim.tv_sec == 0)
        var reloaded = NonceCache(path: path, window: 60, capacity: 10, now: now)
        let replayed = use(&reloaded, alice, "n1")
        let fresh = use(&reloaded, alice, "n2")
        #expect(!replayed && fresh)
    }
}
