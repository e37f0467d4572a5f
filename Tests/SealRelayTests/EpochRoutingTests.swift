import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

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
        let toEpoch = try relay.envelope(message: "to alice's epoch", to: [relay.epochKeys[0].publicKey])
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
}
