import Crypto
import SealAPI
import Testing
@testable import SealRelay

/// The relay's side of proof of work: what it admits and refuses, and how the price moves
/// with load. The gate's own logic, with the clock set by the test; the daemon tests send
/// real requests.
@Suite("Proof-of-work gate")
struct ProofOfWorkGateTests {
    static let start = UnixTime(seconds: 1_800_000_000)

    func gate(bits: Int = 4, maxBits: Int = 12, calmRate: Double = 2) -> ProofOfWorkGate {
        ProofOfWorkGate(key: SymmetricKey(size: .bits256),
                        settings: .init(floorBits: bits, maxBits: maxBits, calmRate: calmRate, lifetimeSeconds: 600))
    }

    /// Solves an offer the way a client does.
    func solve(_ offer: PoWOffer) throws -> PoWToken {
        let challenge = try #require(offer.parsedChallenge)
        for n in UInt64(0)... {
            let token = PoWToken(challenge: challenge, nonce: ProofOfWork.nonce(n))
            if token.isSolved { return token }
        }
        preconditionFailure("unreachable")
    }

    func refusal(_ gate: ProofOfWorkGate, _ header: String?, at time: UnixTime = start) async -> ProofOfWorkGate.Refusal? {
        do {
            try await gate.admit(header: header, now: time)
            return nil
        } catch {
            return error
        }
    }

    @Test("a solved challenge is admitted once, and refused as spent the second time")
    func solvedOnce() async throws {
        let gate = gate()
        let token = try solve(await gate.offer(now: Self.start))
        #expect(await refusal(gate, token.header) == nil)
        #expect(await refusal(gate, token.header) == .spent)
    }

    @Test("no token, a malformed one, and one with a forged MAC are refused before any work is checked")
    func missingMalformedForged() async throws {
        let gate = gate()
        #expect(await refusal(gate, nil) == .missing)
        #expect(await refusal(gate, "not a token") == .malformed)
        let other = try solve(await self.gate().offer(now: Self.start))
        #expect(await refusal(gate, other.header) == .forged)
    }

    @Test("an expired challenge is refused even when solved")
    func expired() async throws {
        let gate = gate()
        let offer = await gate.offer(now: Self.start)
        #expect(offer.expiresIn >= 600 && offer.expiresIn < 660)
        let token = try solve(offer)
        #expect(await refusal(gate, token.header, at: UnixTime(seconds: Self.start.seconds + offer.expiresIn)) == .expired)
    }

    @Test("a wrong nonce is refused, and spends the challenge so it cannot be retried")
    func underworkedSpends() async throws {
        let gate = gate(bits: 12)
        let offer = await gate.offer(now: Self.start)
        let solved = try solve(offer)
        let challenge = try #require(offer.parsedChallenge)
        let wrong = (UInt64(0)...).lazy.map { PoWToken(challenge: challenge, nonce: ProofOfWork.nonce($0)) }.first { !$0.isSolved }
        #expect(await refusal(gate, try #require(wrong).header) == .underworked)
        #expect(await refusal(gate, solved.header) == .spent)
    }

    @Test("a burst of writes raises the difficulty at once, and it falls back a bit a minute")
    func adaptiveDifficulty() async {
        let gate = gate(bits: 4, maxBits: 12, calmRate: 2)
        #expect(await gate.currentBits(now: Self.start) == 4)
        // 80 writes in one minute: 16 a minute over five minutes, 8 times the calm rate.
        for _ in 0..<80 { await gate.recordWrite(now: Self.start) }
        #expect(await gate.currentBits(now: Self.start) == 7)
        #expect(await gate.offer(now: Self.start).bits == 7)
        // Five quiet minutes later the burst is out of the window; one bit goes per minute.
        let later = { (minutes: Int) in UnixTime(seconds: Self.start.seconds + minutes * 60) }
        #expect(await gate.currentBits(now: later(5)) == 6)
        #expect(await gate.currentBits(now: later(6)) == 5)
        #expect(await gate.currentBits(now: later(7)) == 4)
        #expect(await gate.currentBits(now: later(20)) == 4)
    }

    @Test("a spool filling past 80% raises the difficulty, never past the ceiling")
    func spoolFill() async {
        let gate = gate(bits: 10, maxBits: 12)
        await gate.setSpoolFill(0.5)
        #expect(await gate.currentBits(now: Self.start) == 10)
        await gate.setSpoolFill(0.86)
        #expect(await gate.currentBits(now: Self.start) == 12)
        await gate.setSpoolFill(0.99)
        #expect(await gate.currentBits(now: Self.start) == 12)
    }
}
