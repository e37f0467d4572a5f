import SealCore

/// The answer to `GET /v1/pow`, and the `pow` field of a `pow_required` refusal: a fresh
/// challenge, its difficulty, and how long it stays good, so a client can solve while its
/// user is still writing and knows when to ask again.
public struct PoWOffer: Codable, Hashable, Sendable {
    public let v: Int
    public let challenge: String
    public let bits: Int
    /// Seconds until the challenge expires, rounded up to the minute the relay checks.
    public let expiresIn: Int

    enum CodingKeys: String, CodingKey {
        case v, challenge, bits
        case expiresIn = "expires_in"
    }

    public init(challenge: PoWChallenge, expiresIn: Int) {
        self.v = 1
        self.challenge = challenge.base64URL
        self.bits = challenge.bits
        self.expiresIn = expiresIn
    }

    /// The challenge this offer carries, if it is one.
    public var parsedChallenge: PoWChallenge? {
        guard v == 1 else { return nil }
        return Base64URL.decode(challenge).flatMap(PoWChallenge.init(bytes:))
    }
}
