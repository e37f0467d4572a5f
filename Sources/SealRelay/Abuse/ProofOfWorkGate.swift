import Crypto
import SealAPI
import SealCore

/// Asks anonymous writers for proof of work and checks what they bring (docs/API.md,
/// "Proof of work"). Challenges are stateless: the relay recognises its own by their MAC
/// under `pow_key`. The only state is the set of challenges already presented, each kept
/// until it would have expired anyway, so a challenge buys exactly one write. With
/// PostgreSQL storage that set is also in the database (`shared`), so a challenge spent at
/// one node is refused at every other (docs/ARCHITECTURE.md "Storage"); the node's own set
/// stays in front of it, bounding memory and answering a replay here without a query.
///
/// The order of checks keeps a refused request cheap: the token's shape, then its MAC and
/// expiry (one HMAC), then the spent set, and only then the PBKDF2 work itself. A forged or
/// stale token therefore never costs the relay a PBKDF2, and a challenge is spent by its
/// first use whether the nonce is right or not, so nobody can use the relay to test nonces.
public actor ProofOfWorkGate {
    public struct Settings: Sendable {
        public var floorBits: Int
        public var maxBits: Int
        public var calmRate: Double
        public var lifetimeSeconds: Int

        public init(floorBits: Int = 10, maxBits: Int = 20, calmRate: Double = 30, lifetimeSeconds: Int = 600) {
            self.floorBits = floorBits
            self.maxBits = maxBits
            self.calmRate = calmRate
            self.lifetimeSeconds = lifetimeSeconds
        }
    }

    /// Why a token was refused. The client gets `pow_required` with this line and a fresh
    /// offer; what to do is the same in every case (solve the offer), so the line is for people.
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case missing, malformed, forged, expired, spent, underworked, busy
        /// The shared record could not be reached: nothing was admitted (503, not `pow_required`).
        case unavailable

        public var description: String {
            switch self {
            case .missing: return "this relay asks for proof of work: solve the challenge in \"pow\" and send it as Seal-PoW"
            case .malformed, .forged: return "the Seal-PoW token is not one this relay issued"
            case .expired: return "the proof-of-work challenge expired; solve the fresh one in \"pow\""
            case .spent: return "that proof-of-work challenge was already used; solve the fresh one in \"pow\""
            case .underworked: return "the proof-of-work nonce does not solve the challenge"
            case .busy: return "the relay is busy; solve the fresh challenge in \"pow\" and try again"
            case .unavailable: return SpoolError.unavailable.description
            }
        }
    }

    /// More challenges in flight than this and new ones are refused rather than remembered:
    /// memory stays bounded whatever the request rate.
    static let maxSpent = 1_000_000

    nonisolated let settings: Settings
    private nonisolated let key: SymmetricKey
    /// The random part of every challenge presented -> its expiry minute.
    private var spent: [[UInt8]: UInt32] = [:]
    private var lastPurgeMinute: UInt32 = 0
    private var difficulty: DifficultyController
    private var spoolFill = 0.0
    /// The spent set every node shares; nil with file storage.
    private nonisolated let shared: (any UsedOnceRecord)?

    init(key: SymmetricKey, settings: Settings, shared: (any UsedOnceRecord)? = nil) {
        self.key = key
        self.settings = settings
        self.shared = shared
        self.difficulty = DifficultyController(floorBits: settings.floorBits, maxBits: settings.maxBits,
                                               calmRate: settings.calmRate)
    }

    /// A fresh challenge at the current difficulty.
    public func offer(now: UnixTime = .now) -> PoWOffer {
        let bits = difficulty.bits(minute: now.minute, spoolFill: spoolFill)
        // Rounded up to the minute, so the challenge is good for at least its lifetime.
        let expirySecond = now.seconds + settings.lifetimeSeconds
        let expiryMinute = (expirySecond + 59) / 60
        let challenge = PoWChallenge(expiryMinute: UInt32(clamping: expiryMinute), bits: UInt8(clamping: bits),
                                     random: Sodium.randomBytes(16), mac: mac)
        return PoWOffer(challenge: challenge, expiresIn: expiryMinute * 60 - now.seconds)
    }

    /// The bits asked for now (a metric).
    public func currentBits(now: UnixTime = .now) -> Int {
        difficulty.bits(minute: now.minute, spoolFill: spoolFill)
    }

    /// Admits one write, or throws why not. Call before any byte of the body is stored.
    public nonisolated func admit(header: String?, now: UnixTime = .now) async throws(Refusal) {
        guard let header else { throw .missing }
        guard let token = PoWToken(header: header) else { throw .malformed }
        let challenge = token.challenge
        guard Sodium.constantTimeEqual(mac(Array(challenge.signedPart)), Array(challenge.mac)) else { throw .forged }
        guard Int(challenge.expiryMinute) * 60 > now.seconds else { throw .expired }
        try await spend(challenge, now: now)
        try await spendShared(challenge)
        guard token.isSolved else { throw .underworked }
    }

    /// Counts an accepted write towards the load that sets the difficulty.
    public func recordWrite(now: UnixTime = .now) {
        difficulty.recordWrite(minute: now.minute)
    }

    /// How full the spool is, 0...1; above 80% the difficulty rises.
    public func setSpoolFill(_ fraction: Double) {
        spoolFill = min(max(fraction, 0), 1)
    }

    private func spend(_ challenge: PoWChallenge, now: UnixTime) throws(Refusal) {
        let minute = UInt32(clamping: now.minute)
        if minute != lastPurgeMinute || spent.count >= Self.maxSpent {
            spent = spent.filter { $0.value * 60 > UInt32(clamping: now.seconds) }
            lastPurgeMinute = minute
        }
        let random = Array(challenge.random)
        guard spent[random] == nil else { throw .spent }
        guard spent.count < Self.maxSpent else { throw .busy }
        spent[random] = challenge.expiryMinute
    }

    /// Records the challenge in the shared set, by its random part and the day it expires
    /// (the day of its expiry minute, never the minute). When the set cannot be reached the
    /// challenge is refused and forgotten here too, so the client may present it again.
    private nonisolated func spendShared(_ challenge: PoWChallenge) async throws(Refusal) {
        guard let shared else { return }
        let random = Array(challenge.random)
        let fresh: Bool
        do {
            fresh = try await shared.insert(random, untilDay: Int(challenge.expiryMinute) / (24 * 60))
        } catch {
            await unspend(random)
            throw .unavailable
        }
        guard fresh else { throw .spent }
    }

    private func unspend(_ random: [UInt8]) {
        spent[random] = nil
    }

    private nonisolated func mac(_ signed: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: signed, using: key).prefix(16))
    }
}
