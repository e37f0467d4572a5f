import Crypto
import SealAPI
import SealCore
import Testing

/// The proof-of-work token, checked against a vector computed independently with Python's
/// hashlib (docs/API.md, "Proof of work"): challenge key 32 bytes of 0x42, expiry minute
/// 29,000,000, 8 bits, random bytes 00..0f.
@Suite("Proof of work")
struct ProofOfWorkTests {
    static let challengeHex = "0101ba814008000102030405060708090a0b0c0d0e0f2974a3523eca39571fc1e39ff216cab4"
    static let token = "AQG6gUAIAAECAwQFBgcICQoLDA0ODyl0o1I-yjlXH8Hjn_IWyrQ.AAAAAAAAAk0"
    static let key = SymmetricKey(data: [UInt8](repeating: 0x42, count: 32))

    static func mac(_ signed: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: signed, using: key).prefix(16))
    }

    var challenge: PoWChallenge {
        get throws { try #require(Hex.decode(Self.challengeHex).flatMap(PoWChallenge.init(bytes:))) }
    }

    @Test("a challenge assembled from its parts matches the vector byte for byte")
    func challengeLayout() throws {
        let built = PoWChallenge(expiryMinute: 29_000_000, bits: 8, random: Array(0..<16), mac: Self.mac)
        #expect(built == (try challenge))
        #expect(built.expiryMinute == 29_000_000)
        #expect(built.bits == 8)
    }

    @Test("the work for a nonce is PBKDF2-HMAC-SHA256 as an independent implementation computes it")
    func workMatchesVector() throws {
        let work = ProofOfWork.work(nonce: ProofOfWork.nonce(589), challenge: try challenge)
        #expect(Hex.encode(work) == "00539173efa919da359c8126d90b699e958afd47fca8dabba2d42e8a8b035ac4")
        let unsolved = ProofOfWork.work(nonce: ProofOfWork.nonce(0), challenge: try challenge)
        #expect(Hex.encode(unsolved) == "8aa7d803ebfb2a66cc9ed55ca18379d90412c92103f67afe0d019ec415d50de8")
    }

    @Test("the vector's token parses and is solved; the nonce before it is not")
    func tokenSolved() throws {
        let token = try #require(PoWToken(header: Self.token))
        #expect(token.header == Self.token)
        #expect(token.isSolved)
        #expect(!PoWToken(challenge: try challenge, nonce: ProofOfWork.nonce(588)).isSolved)
    }

    @Test("leading zero bits are counted across bytes")
    func leadingZeroBits() {
        #expect(ProofOfWork.leadingZeroBits([0x00, 0x00, 0x80]) == 16)
        #expect(ProofOfWork.leadingZeroBits([0x00, 0x01]) == 15)
        #expect(ProofOfWork.leadingZeroBits([0xFF]) == 0)
        #expect(ProofOfWork.leadingZeroBits([0, 0]) == 16)
    }

    @Test("a header that is not exactly a token is refused", arguments: [
        "", ".", "AQG6gUAIAAECAwQFBgcICQoLDA0ODyl0o1I-yjlXH8Hjn_IWyrQ",
        "AQG6gUAIAAECAwQFBgcICQoLDA0ODyl0o1I-yjlXH8Hjn_IWyrQ.AAAAAAAAAk",
        "AQG6gUAIAAECAwQFBgcICQoLDA0ODyl0o1I-yjlXH8Hjn_IWyrQ.AAAAAAAAAk0.AA",
        "AQG6gUAIAAECAwQFBgcICQoLDA0ODyl0o1I-yjlXH8Hjn_IWyr.AAAAAAAAAk0",
        "AQG6gUAIAAECAwQFBgcICQoLDA0ODyl0o1I-yjlXH8Hjn_IWyrQ=.AAAAAAAAAk0",
        "AgG6gUAIAAECAwQFBgcICQoLDA0ODyl0o1I-yjlXH8Hjn_IWyrQ.AAAAAAAAAk0",
    ])
    func malformedTokens(header: String) {
        #expect(PoWToken(header: header) == nil)
    }
}
