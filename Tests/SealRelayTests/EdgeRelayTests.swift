import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// Edge relays (docs/ARCHITECTURE.md "Relay network"): a home and an edge as two real
/// `sealrelayd` processes on loopback, real TLS between them, forwarding every second.
@Suite("relay network", .serialized)
struct EdgeRelayTests {
    @Test("a report sent to an edge reaches the home's inbox, and the edge keeps no copy")
    func reportThroughEdge() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        try await net.startEdge()
        let receipt = try await net.submitToEdge(try net.home.envelope())
        #expect(try await net.eventually { try await net.homeInbox().contains(receipt) })
        #expect(try await net.eventually { net.edgeSpool.isEmpty })
        #expect(try await net.homeSpool() == ["\(receipt).seal"])
    }

    @Test("two edges forward to one home: each report arrives, one sent to both edges is kept once, and neither edge keeps a copy")
    func twoEdgesOneHome() async throws {
        let net = try await RelayNetwork(edges: 2)
        try await net.startHome()
        try await net.startEdge(0)
        try await net.startEdge(1)
        let first = try net.home.envelope(message: "through the first edge")
        let second = try net.home.envelope(message: "through the second edge")
        let both = try net.home.envelope(message: "a source that failed over after its answer was lost")
        let ids = [try await net.submitToEdge(first, edge: 0), try await net.submitToEdge(second, edge: 1)]
        let once = try await net.submitToEdge(both, edge: 0)
        #expect(try await net.submitToEdge(both, edge: 1) == once)
        #expect(try await net.eventually { Set(try await net.homeInbox()) == Set(ids + [once]) })
        #expect(try await net.eventually { net.edgeSpool(0).isEmpty && net.edgeSpool(1).isEmpty })
        #expect(try await net.homeInbox().count == 3)
        #expect(try await net.homeSpool().count == 3)
    }

    @Test("an edge killed with -9 after its 202 and before forwarding delivers the report exactly once after restart")
    func killedEdgeDeliversOnce() async throws {
        let net = try await RelayNetwork(forwardInterval: 3600)
        try await net.startHome()
        try await net.startEdge()
        let receipt = try await net.submitToEdge(try net.home.envelope())
        try await net.stop(net.edgeDaemon, signal: SIGKILL)
        #expect(net.edgeSpool == ["\(receipt).seal"], "the 202 meant durable at the edge")
        #expect(try await net.homeInbox().isEmpty, "nothing forwarded before the interval")

        try RelayNetwork.set(net.edgeConfig, "forward_interval", "1")
        try await net.startEdge()
        #expect(try await net.eventually { net.edgeSpool.isEmpty })
        #expect(try await net.homeInbox() == [receipt])
        #expect(try await net.homeSpool() == ["\(receipt).seal"])
    }

    @Test("an envelope forwarded twice is stored once at the home and answered 202 both times")
    func retriedForwardStoredOnce() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        let envelope = try net.home.envelope()
        let key = try net.edgeKey()
        let first = try await net.forward(envelope, signedBy: key)
        let second = try await net.forward(envelope, signedBy: key)
        #expect(first.status == .accepted && second.status == .accepted)
        #expect(first.json["receipt"] as? String == second.json["receipt"] as? String)
        #expect(try await net.homeSpool().count == 1)
        #expect(try await net.homeInbox().count == 1)
    }

    @Test("a forward signed by a key the home does not allow gets the same 401 as a bad signature, and nothing is stored")
    func unknownEdgeAndBadSignatureRefusedAlike() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        let envelope = try net.home.envelope()
        let stranger = try await net.forward(envelope, signedBy: try SigningKey.generate(.relay))
        // The allowed edge's signature, over other bytes than those sent.
        let key = try net.edgeKey()
        var headers = try net.home.signatureHeaders(.POST, "/v1/relay/envelopes", key: key, body: envelope,
                                                    keyID: HTTPMessageSignature.relayKeyID(key))
        let other = try net.home.signatureHeaders(.POST, "/v1/relay/envelopes", key: key, body: envelope + [0],
                                                  keyID: HTTPMessageSignature.relayKeyID(key))
        headers = headers.map { $0.0 == "Signature" ? (other.first { $0.0 == "Signature" } ?? $0) : $0 }
        let forged = try await net.forward(envelope, signedBy: key, headers: headers)
        #expect(stranger.status == .unauthorized)
        #expect(forged.status == .unauthorized)
        #expect(stranger.body == forged.body)
        #expect(try await net.homeSpool().isEmpty)
    }

    @Test("a forward whose body is not the bytes its signed digest names is refused, and nothing is stored")
    func forwardedBytesMustMatchTheSignedDigest() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        let key = try net.edgeKey()
        let signed = try net.home.envelope(message: "what was signed")
        let sent = try net.home.envelope(message: "what was sent")
        let headers = try net.home.signatureHeaders(.POST, "/v1/relay/envelopes", key: key, body: signed,
                                                    keyID: HTTPMessageSignature.relayKeyID(key))
        let reply = try await net.forward(sent, signedBy: key, headers: headers)
        #expect(reply.status == .badRequest && reply.json["code"] as? String == "digest_mismatch")
        #expect(try await net.homeSpool().isEmpty)
    }

    @Test("a reviewer's credential cannot forward envelopes, and an edge's key cannot read an inbox")
    func keysStayInTheirRoles() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        let asReviewer = try await net.forward(try net.home.envelope(), signedBy: net.home.credentials[0])
        #expect(asReviewer.status == .unauthorized)
        let key = try net.edgeKey()
        let inbox = try await net.home.request(.GET, "/v1/inbox", headers: net.home.signatureHeaders(
            .GET, "/v1/inbox", key: key, keyID: HTTPMessageSignature.relayKeyID(key)))
        #expect(inbox.status == .unauthorized)
        #expect(try await net.homeSpool().isEmpty)
    }

    @Test("a replayed forward is refused and stores nothing more")
    func replayedForwardRefused() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        let key = try net.edgeKey()
        let envelope = try net.home.envelope()
        let headers = try net.home.signatureHeaders(.POST, "/v1/relay/envelopes", key: key, body: envelope,
                                                    keyID: HTTPMessageSignature.relayKeyID(key))
        let first = try await net.forward(envelope, signedBy: key, headers: headers)
        try await net.stop(net.homeDaemon)
        try await net.startHome()
        let replay = try await net.forward(envelope, signedBy: key, headers: headers)
        #expect(first.status == .accepted)
        #expect(replay.status == .unauthorized)
        #expect(replay.json["code"] as? String == "signature_replayed", "the nonce survives a restart")
        #expect(try await net.homeSpool().count == 1)
    }

    @Test("while the home is down the edge holds every report, then delivers them all")
    func homeDownThenDelivered() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        try await net.startEdge()
        try await net.stop(net.homeDaemon)
        var receipts: Set<String> = []
        for i in 0..<3 { receipts.insert(try await net.submitToEdge(try net.home.envelope(message: "report \(i)"))) }
        let edge = try #require(net.edgeDaemon)
        #expect(try await net.eventually { edge.log.contains("the upstream is unavailable") })
        #expect(Set(net.edgeSpool) == Set(receipts.map { "\($0).seal" }), "everything held")
        try await net.startHome()
        #expect(try await net.eventually { Set(try await net.homeInbox()) == receipts })
        #expect(try await net.eventually { net.edgeSpool.isEmpty })
        #expect(try await net.eventually { edge.log.contains("the upstream is reachable again") })
    }

    @Test("an envelope the home refuses (a kid outside its bundle) stays at the edge, with one log line and no sender data")
    func refusedAtHomeKeptAtEdge() async throws {
        // The edge has a newer bundle than the home: it lists a reviewer the home does not know.
        let carol = try ReviewerIdentity.generate(name: "carol")
        let net = try await RelayNetwork { home in
            try RecipientBundle.sign(organisation: home.org, reviewers: home.reviewers.map(\.publicKey) + [carol.publicKey],
                                     relays: ["https://127.0.0.1"], counter: 2, validDays: 10)
        }
        try await net.startHome()
        try await net.startEdge()
        let edge = try #require(net.edgeDaemon)
        let refused = try await net.submitToEdge(try net.home.envelope(to: [carol.publicKey]))
        let delivered = try await net.submitToEdge(try net.home.envelope())
        #expect(try await net.eventually { try await net.homeInbox() == [delivered] })
        #expect(try await net.eventually { edge.log.contains("the upstream refused a forwarded envelope") })
        // A later round (it delivers a later report) tries the refused one again: still kept, still one line.
        let later = try await net.submitToEdge(try net.home.envelope(message: "later"))
        #expect(try await net.eventually { Set(try await net.homeInbox()) == [delivered, later] })
        #expect(net.edgeSpool == ["\(refused).seal"])
        #expect(Set(try await net.homeSpool()) == ["\(delivered).seal", "\(later).seal"])
        #expect(edge.log.components(separatedBy: "the upstream refused a forwarded envelope").count == 2, "logged once")
    }

    @Test("a source reads at an edge the replies waiting at the home; the edge keeps none of them")
    func mailboxThroughEdge() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        try await net.startEdge()
        let source = MailboxTests.source()
        let reply = try MailboxTests.reply(to: source, relay: net.home)
        let posted = try await net.home.signed(.POST, "/v1/replies/\(source.mailboxID)", body: reply)
        let id = try #require(posted.json["receipt"] as? String)
        let listing = try await net.home.request(.GET, "/v1/mailbox", headers: MailboxTests.secretHeader(source), base: net.edgeBase)
        #expect(listing.status == .ok)
        #expect((listing.json["replies"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
        let fetched = try await net.home.request(.GET, "/v1/mailbox/\(id)", headers: MailboxTests.secretHeader(source), base: net.edgeBase)
        #expect(fetched.status == .ok && fetched.body == reply)
        let stranger = try await net.home.request(.GET, "/v1/mailbox/\(id)", headers: MailboxTests.secretHeader(MailboxTests.source()),
                                                  base: net.edgeBase)
        #expect(stranger.status == .notFound)
        #expect(try await net.home.request(.GET, "/v1/mailbox", base: net.edgeBase).status == .badRequest)
        let replies = (try? FileManager.default.subpathsOfDirectory(atPath: "\(net.edgeDirectory)/spool/replies")) ?? []
        #expect(replies.isEmpty)
    }

    @Test("an edge whose upstream is down answers a mailbox read with 503, so a client tries another relay")
    func mailboxUpstreamDown() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        try await net.startEdge()
        try await net.stop(net.homeDaemon)
        let reply = try await net.home.request(.GET, "/v1/mailbox", headers: MailboxTests.secretHeader(MailboxTests.source()),
                                               base: net.edgeBase)
        #expect(reply.status == .serviceUnavailable)
        #expect(reply.json["code"] as? String == "upstream_unavailable")
    }

    @Test("seal submit skips a dead first relay of the bundle, sends through the next, and says which took it")
    func clientFailover() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        try await net.startEdge()
        let dead = try net.writeBundleWithDeadFirstRelay(to: "\(net.home.dir)/relays.json")
        let (status, output) = try await ConversationEndToEndTests.seal(
            ["submit", "--relay", dead, "--bundle", "\(net.home.dir)/relays.json", "--org-fingerprint", net.home.org.fingerprint.hex,
             "--ca", "\(net.home.stateDirectory)/tls/cert.pem", "--message", "the second relay took it"],
            stateDirectory: "\(net.home.dir)/seal-state")
        #expect(status == 0, Comment(rawValue: output))
        #expect(output.contains("trying the next relay"), Comment(rawValue: output))
        #expect(output.contains("relay: \(net.edgeBase)"), Comment(rawValue: output))
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("receipt: ") })
        let receipt = String(line.dropFirst("receipt: ".count))
        #expect(try await net.eventually { try await net.homeInbox() == [receipt] })
    }

    @Test("seal submit without --relay sends to the relays of --bundle, and later to those of the bundle it kept")
    func submitWithoutRelayUsesKeptBundle() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        try await net.startEdge()
        _ = try net.writeBundleWithDeadFirstRelay(to: "\(net.home.dir)/relays.json")
        let state = "\(net.home.dir)/seal-state"
        let pin = ["--org-fingerprint", net.home.org.fingerprint.hex, "--ca", "\(net.home.stateDirectory)/tls/cert.pem"]

        let (none, noneOutput) = try await ConversationEndToEndTests.seal(["submit"] + pin + ["--message", "nowhere to go"],
                                                                          stateDirectory: state)
        #expect(none != 0 && noneOutput.contains("no relay to try"), Comment(rawValue: noneOutput))

        var receipts: [String] = []
        for extra in [["--bundle", "\(net.home.dir)/relays.json"], []] {
            let (status, output) = try await ConversationEndToEndTests.seal(
                ["submit"] + pin + extra + ["--message", "sent with \(extra.isEmpty ? "the kept bundle" : "--bundle")"],
                stateDirectory: state)
            #expect(status == 0, Comment(rawValue: output))
            #expect(output.contains("relay: \(net.edgeBase)"), Comment(rawValue: output))
            let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("receipt: ") })
            receipts.append(String(line.dropFirst("receipt: ".count)))
        }
        #expect(FileManager.default.fileExists(atPath: "\(state)/bundles/\(net.home.org.fingerprint.hex).json"))
        #expect(try await net.eventually { Set(try await net.homeInbox()) == Set(receipts) })
    }

    @Test("an edge killed with -9 mid-forward of a 32 MiB envelope leaves nothing at the home, and delivers it after restart",
          .timeLimit(.minutes(3)))
    func killedMidForward() async throws {
        let net = try await RelayNetwork()
        try await net.startHome()
        try await net.startEdge()
        let envelope = try net.largeEnvelope(mebibytes: 32)
        let receipt = try await net.submitToEdge(envelope)
        let incoming = "\(net.home.stateDirectory)/spool/incoming"
        func partialAtHome() -> Bool {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? []
            return names.contains { ((try? FileManager.default.attributesOfItem(atPath: "\(incoming)/\($0)")[.size] as? Int) ?? 0) > 0 }
        }
        let deadline = Date().addingTimeInterval(30)
        while !partialAtHome(), Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try await net.stop(net.edgeDaemon, signal: SIGKILL)
        #expect(try await net.homeSpool().isEmpty, "the kill landed mid-forward, and nothing partial was queued")
        #expect(try await net.eventually { !partialAtHome() }, "the cut-off upload was discarded")
        #expect(net.edgeSpool == ["\(receipt).seal"])
        try await net.startEdge()
        #expect(try await net.eventually(within: 60) { try await net.homeInbox() == [receipt] })
        #expect(try await net.eventually { net.edgeSpool.isEmpty })
    }

    @Test("while the home is down an edge whose quota is full answers 507 and keeps what it has")
    func fullEdgeAnswers507() async throws {
        let net = try await RelayNetwork()
        try RelayNetwork.set(net.edgeConfig, "max_envelopes", "2")
        try await net.startHome()
        try await net.startEdge()
        try await net.stop(net.homeDaemon)
        let first = try await net.submitToEdge(try net.home.envelope(message: "one"))
        let second = try await net.submitToEdge(try net.home.envelope(message: "two"))
        let third = try net.home.envelope(message: "three")
        let refused = try await net.home.request(.POST, "/v1/reports", body: third, base: net.edgeBase)
        #expect(refused.status == .insufficientStorage && refused.json["code"] as? String == "spool_full")
        try await net.startHome()
        #expect(try await net.eventually { Set(try await net.homeInbox()) == [first, second] })
        #expect(try await net.eventually { net.edgeSpool.isEmpty })
        #expect(try await net.submitToEdge(third).isEmpty == false)
    }

    @Test("a source's address and headers leave no trace at the edge or at the home, through submission, forwarding and a mailbox read")
    func noTraceAtEdgeOrHome() async throws {
        let net = try await RelayNetwork()
        for config in [net.homeConfig, net.edgeConfig] { try RelayNetwork.set(config, "log_level", "info") }
        try await net.startHome()
        try await net.startEdge()
        let path = "\(net.home.dir)/upload.seal"
        try Data(net.home.envelope()).write(to: URL(fileURLWithPath: path))
        let pow = try await net.home.proofOfWork(base: net.edgeBase)
        let curl = MetadataPolicyTests()
        let response = try await curl.curl(net.home, ["--data-binary", "@\(path)", "-H", "Content-Type: application/octet-stream",
                                                      "-H", "\(RelayHeader.proofOfWork): \(pow)", "\(net.edgeBase)/v1/reports"])
        #expect(response.contains("202"))
        let source = MailboxTests.source()
        let secret = try #require(MailboxTests.secretHeader(source).first?.1)
        _ = try await curl.curl(net.home, ["-H", "Mailbox-Secret: \(secret)", "\(net.edgeBase)/v1/mailbox", "-o", "/dev/null"])
        #expect(try await net.eventually { try await net.homeInbox().count == 1 && net.edgeSpool.isEmpty })
        try await net.stop(net.edgeDaemon)
        try await net.stop(net.homeDaemon)
        let haystacks = try await MetadataPolicyTests.everythingKept(by: net.home, logs: net.homeDaemon?.log ?? "")
            + MetadataPolicyTests.everythingKept(in: net.edgeDirectory, logs: net.edgeDaemon?.log ?? "")
        for marker in MetadataPolicyTests.markers {
            for (i, text) in haystacks.enumerated() {
                #expect(!text.contains(marker), "\(marker) found in haystack \(i)")
            }
        }
    }

    @Test("an edge takes the home's newer bundle at start, and one published while it runs at its next round, without a restart")
    func edgeTakesNewerBundles() async throws {
        let net = try await RelayNetwork()
        let carol = try ReviewerIdentity.generate(name: "carol")
        func bundle(counter: Int, adding more: [ReviewerIdentity] = []) throws -> [UInt8] {
            try RecipientBundle.sign(organisation: net.home.org, reviewers: (net.home.reviewers + more).map(\.publicKey),
                                     relays: ["https://127.0.0.1"], counter: counter, validDays: 10)
        }
        let second = try bundle(counter: 2)
        try AtomicFile.write(second, to: "\(net.home.stateDirectory)/bundle.json", replaceExisting: true)
        try await net.startHome()
        try await net.startEdge()
        #expect(try await net.home.request(.GET, "/v1/bundle", base: net.edgeBase).body == second)
        let toCarol = try net.home.envelope(message: "for the reviewer added today", to: [carol.publicKey])
        #expect(try await net.home.request(.POST, "/v1/reports", body: toCarol, base: net.edgeBase).status == .badRequest)

        // The organisation adds carol; the home restarts with the new bundle, the edge does not.
        let third = try bundle(counter: 3, adding: [carol])
        try await net.stop(net.homeDaemon)
        try AtomicFile.write(third, to: "\(net.home.stateDirectory)/bundle.json", replaceExisting: true)
        try await net.startHome()
        #expect(try await net.eventually { try await net.home.request(.GET, "/v1/bundle", base: net.edgeBase).body == third })
        #expect(try InputFile.readAll(path: "\(net.edgeDirectory)/bundle.json", limit: 1 << 20) == third)
        _ = try await net.submitToEdge(toCarol)

        // A bundle signed by another organisation is never taken.
        try await net.stop(net.homeDaemon)
        let stranger = try RecipientBundle.sign(organisation: SigningKey.generate(.organisation), reviewers: net.home.reviewers.map(\.publicKey),
                                                relays: ["https://127.0.0.1"], counter: 9, validDays: 10)
        try AtomicFile.write(stranger, to: "\(net.home.stateDirectory)/bundle.json", replaceExisting: true)
        try RelayNetwork.set(net.homeConfig, "organisation_fingerprint", "")
        try await net.startHome()
        let edge = try #require(net.edgeDaemon)
        #expect(try await net.eventually { edge.log.contains("the upstream served a bundle this edge refuses") })
        #expect(try InputFile.readAll(path: "\(net.edgeDirectory)/bundle.json", limit: 1 << 20) == third)
        #expect(try await net.home.request(.GET, "/v1/bundle", base: net.edgeBase).body == third)
    }
}
