import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import Testing
@testable import SealRelay

/// Anonymous writes are paid for with proof of work before a byte of their body is stored
/// (docs/API.md "Proof of work"), on the real relay over TLS, and by the real `seal`.
@Suite("Proof of work at the relay")
struct ProofOfWorkRelayTests {
    /// Everything the spool holds: envelopes, partial uploads, replies.
    static func stored(_ relay: TestRelay) throws -> [String] {
        let spool = "\(relay.stateDirectory)/spool"
        return try ["envelopes", "incoming", "replies"].flatMap { try FileManager.default.contentsOfDirectory(atPath: "\(spool)/\($0)") }
    }

    static func refusal(_ reply: TestRelay.Reply) throws -> RelayErrorBody {
        try JSONDecoder().decode(RelayErrorBody.self, from: Data(reply.body))
    }

    @Test("GET /v1/pow offers a challenge at the configured floor, good for the challenge lifetime")
    func offer() async throws {
        let relay = try await TestRelay { $0.powBits = 7 }
        let offer = try JSONDecoder().decode(PoWOffer.self, from: Data(try await relay.request(.GET, "/v1/pow").body))
        #expect(offer.v == 1 && offer.bits == 7)
        #expect(offer.parsedChallenge?.bits == 7)
        #expect(offer.expiresIn > 600 - 60 && offer.expiresIn <= 660)
        await relay.stop()
    }

    @Test("a report without a token, with a malformed one or a forged one is refused with a fresh challenge and nothing is stored",
          arguments: ["none", "AAAA.AAAA", "forged"])
    func refusedTokens(kind: String) async throws {
        let relay = try await TestRelay()
        let other = try await TestRelay()
        let headers: [(String, String)]
        switch kind {
        case "none": headers = []
        case "forged": headers = [(RelayHeader.proofOfWork, try await other.proofOfWork())]
        default: headers = [(RelayHeader.proofOfWork, kind)]
        }
        let reply = try await relay.request(.POST, "/v1/reports", body: relay.envelope(), headers: headers, paying: false)
        #expect(reply.status == .forbidden)
        let body = try Self.refusal(reply)
        #expect(body.code == .powRequired)
        #expect(body.pow?.parsedChallenge != nil)
        #expect(try Self.stored(relay).isEmpty)
        await relay.stop()
        await other.stop()
    }

    @Test("a token is spent by its first use: the same token again is refused and the second report is not stored")
    func reusedToken() async throws {
        let relay = try await TestRelay()
        let token = try await relay.proofOfWork()
        #expect(try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "one"),
                                         headers: [(RelayHeader.proofOfWork, token)]).status == .accepted)
        let again = try await relay.request(.POST, "/v1/reports", body: relay.envelope(message: "two"),
                                            headers: [(RelayHeader.proofOfWork, token)])
        #expect(again.status == .forbidden)
        #expect(try Self.refusal(again).code == .powRequired)
        #expect(try await relay.kept().filter { $0.hasSuffix(".seal") }.count == 1)
        await relay.stop()
    }

    @Test("a nonce that does not do the work is refused and nothing is stored")
    func underworked() async throws {
        let relay = try await TestRelay { $0.powBits = 12 }
        let offer = try JSONDecoder().decode(PoWOffer.self, from: Data(try await relay.request(.GET, "/v1/pow").body))
        let challenge = try #require(offer.parsedChallenge)
        let wrong = try #require((UInt64(0)...).lazy.map { PoWToken(challenge: challenge, nonce: ProofOfWork.nonce($0)) }.first { !$0.isSolved })
        let reply = try await relay.request(.POST, "/v1/reports", body: relay.envelope(), headers: [(RelayHeader.proofOfWork, wrong.header)])
        #expect(reply.status == .forbidden)
        #expect(try Self.stored(relay).isEmpty)
        await relay.stop()
    }

    @Test("creating a chunked upload costs a token; its slices do not")
    func uploadsCostAToken() async throws {
        let relay = try await TestRelay()
        let unpaid = try await relay.request(.POST, "/v1/uploads", paying: false)
        #expect(unpaid.status == .forbidden)
        let created = try await relay.request(.POST, "/v1/uploads")
        #expect(created.status == .created)
        await relay.stop()
    }

    @Test("refusals are counted and the current difficulty is a metric")
    func metrics() async throws {
        let relay = try await TestRelay { $0.powBits = 5 }
        _ = try await relay.request(.POST, "/v1/reports", body: relay.envelope(), paying: false)
        _ = try await relay.request(.GET, "/v1/pow")
        let text = try await relay.publishedMetrics()
        #expect(text.contains("sealrelay_pow_refused_total 1"))
        #expect(text.contains("sealrelay_pow_bits 5"))
        await relay.stop()
    }

    @Test("seal submit solves the relay's challenge and is accepted, at 14 bits and at the default 10", arguments: [14, 10])
    func sealSubmitPays(bits: Int) async throws {
        let relay = try await TestRelay()
        let config = try await relay.handOverToDaemon { $0 = $0.replacingOccurrences(of: "\npow_bits = 2\n", with: "\npow_bits = \(bits)\n") }
        let daemon = try RelayDaemon(configPath: config)
        let url = "https://127.0.0.1:\(try await daemon.port())"
        relay.tlsPort = try await daemon.port()
        let offer = try JSONDecoder().decode(PoWOffer.self, from: Data(try await relay.request(.GET, "/v1/pow").body))
        #expect(offer.bits == bits)
        let (status, output) = try await EndToEndTests.seal([
            "submit", "--relay", url, "--org-fingerprint", relay.org.fingerprint.hex, "--ca", "\(relay.stateDirectory)/tls/cert.pem",
            "--message", "paid for", "--codename-file", "\(relay.dir)/codename.txt"])
        #expect(status == 0, Comment(rawValue: output))
        #expect(output.contains("receipt: "))
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0)
    }
}
