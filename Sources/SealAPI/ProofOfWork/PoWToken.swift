import SealCore

/// A solved challenge as a client presents it in the `Seal-PoW` header:
/// `B64URL(challenge) "." B64URL(nonce)`, the nonce exactly 8 bytes.
public struct PoWToken: Hashable, Sendable {
    public static let nonceCount = 8

    public let challenge: PoWChallenge
    public let nonce: [UInt8]

    public init(challenge: PoWChallenge, nonce: [UInt8]) {
        precondition(nonce.count == Self.nonceCount, "a proof-of-work nonce is 8 bytes")
        self.challenge = challenge
        self.nonce = nonce
    }

    /// Parses a header value; nil for anything that is not exactly a token (the relay then
    /// answers `pow_required`, without saying which part was wrong).
    public init?(header: String) {
        let parts = header.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let challengeBytes = Base64URL.decode(String(parts[0]), count: PoWChallenge.byteCount),
              let challenge = PoWChallenge(bytes: challengeBytes),
              let nonce = Base64URL.decode(String(parts[1]), count: Self.nonceCount)
        else { return nil }
        self.challenge = challenge
        self.nonce = nonce
    }

    public var header: String { "\(challenge.base64URL).\(Base64URL.encode(nonce))" }

    /// Whether the nonce does the work the challenge asks for.
    public var isSolved: Bool { ProofOfWork.isSolution(nonce, for: challenge) }
}
