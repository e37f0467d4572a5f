import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// docs/FORMAT.md §7.3: the relay accepts reports sealed to epoch keys of its v2 bundle and
/// queues each for the reviewer the epoch belongs to.
@Suite("Epoch keys at the relay")
struct EpochRoutingTests {
    func ids(_ reply: TestRelay.Reply) -> [String] {
        (reply.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    @Test("a report sealed to alice's epoch key reaches alice's inbox and no one else's")
    func routesToTheEpochsReviewer() async throws {
        let relay = try await TestRelay(epochs: true)
        let toEpoch = try relay.envelope(message: "to alice's epoch", to: [relay.epochKeys[0].key])
        #expect(try await relay.request(.POST, "/v1/reports", body: toEpoch).status == .accepted)
        let alice = ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0))
        let bob = ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 1))
        #expect(alice.count == 1 && bob.isEmpty, "alice \(alice), bob \(bob)")
        let id = try #require(alice.first)
        #expect(try await relay.signed(.GET, "/v1/inbox/\(id)", reviewer: 0).body == toEpoch)
        await relay.stop()
    }

    @Test("a report sealed to a key the bundle does not list is refused")
    func refusesUnlistedKeys() async throws {
        let relay = try await TestRelay(epochs: true)
        let stranger = try ReviewerIdentity.generate(name: "alice")
        let reply = try await relay.request(.POST, "/v1/reports", body: relay.envelope(to: [stranger.publicKey]))
        #expect(reply.status == .badRequest)
        #expect((reply.json["error"] as? String)?.contains("not in the current bundle") == true)
        #expect(ids(try await relay.signed(.GET, "/v1/inbox", reviewer: 0)).isEmpty)
        await relay.stop()
    }

    @Test("seal submit seals to this month's epoch through the daemon, and seal open --epochs names it")
    func submitFetchOpenWithEpochs() async throws {
        let relay = try await TestRelay(epochs: true)
        let dir = relay.dir
        try AtomicFile.write(relay.reviewers[0].encoded(passphrase: nil), to: "\(dir)/alice.seckey", mode: 0o600)
        try relay.epochSecrets[0].write(to: "\(dir)/alice.epochs.seckey")
        try AtomicFile.write(relay.credentials[0].encoded(passphrase: nil), to: "\(dir)/alice.fetch.seckey", mode: 0o600)
        let config = try await relay.handOverToDaemon()
        let daemon = try RelayDaemon(configPath: config)
        let url = "https://127.0.0.1:\(try await daemon.port())"
        let ca = "\(relay.stateDirectory)/tls/cert.pem"

        let (submitted, submitOutput) = try await EndToEndTests.seal([
            "submit", "--relay", url, "--org-fingerprint", relay.org.fingerprint.hex, "--ca", ca,
            "--message", "sealed to this month", "--codename-file", "\(dir)/codename.txt"])
        #expect(submitted == 0, Comment(rawValue: submitOutput))
        let (fetched, fetchOutput) = try await EndToEndTests.seal([
            "fetch", "--relay", url, "--credential", "\(dir)/alice.fetch.seckey", "--ca", ca, "--out", "\(dir)/inbox"])
        #expect(fetched == 0 && fetchOutput.contains("fetched 1"), Comment(rawValue: fetchOutput))

        let (identityOnly, _) = try await EndToEndTests.seal(["open", "--key", "\(dir)/alice.seckey", "--out", "\(dir)/plain", "\(dir)/inbox"])
        #expect(identityOnly == 1, "the identity alone does not open a report sealed to an epoch")
        let (opened, openOutput) = try await EndToEndTests.seal([
            "open", "--key", "\(dir)/alice.seckey", "--epochs", "\(dir)/alice.epochs.seckey", "--out", "\(dir)/opened", "\(dir)/inbox"])
        #expect(opened == 0, Comment(rawValue: openOutput))
        #expect(openOutput.contains("with epoch \(EpochMonth.containing(Date()))"), Comment(rawValue: openOutput))
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0)
    }
}
