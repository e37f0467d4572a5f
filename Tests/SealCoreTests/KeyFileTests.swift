import Foundation
import SealTestSupport
import Testing
@testable import SealCore

@Suite("Key files")
final class KeyFileTests {
    let dir = TemporaryDirectory()

    func passphrase(_ text: String) -> Passphrase { Passphrase(SecureBytes(copying: Array(text.utf8))) }

    @Test("an unprotected reviewer key reads back to the same identity")
    func plainRoundTrip() throws {
        let identity = try ReviewerIdentity.generate(name: "alice")
        let path = try dir.write(identity.encoded(passphrase: nil), to: "a.seckey")
        let read = try ReviewerIdentity.read(path: path, passphrase: { nil })
        #expect(read.publicKey == identity.publicKey)
    }

    @Test("a protected key needs its passphrase, refuses a wrong one, and hides its secrets")
    func protectedRoundTrip() throws {
        let identity = try ReviewerIdentity.generate(name: "alice")
        let bytes = try identity.encoded(passphrase: passphrase("correct horse"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["x25519"] == nil && object["xwing"] == nil)
        let protection = try #require(object["protected"] as? [String: Any])
        #expect(protection["kdf"] as? String == "argon2id")
        #expect((protection["ops"] as? Int ?? 0) >= 3)
        #expect((protection["mem"] as? Int ?? 0) >= 256 << 20)
        let path = try dir.write(bytes, to: "a.seckey")
        #expect(throws: KeyError.passphraseRequired) { try ReviewerIdentity.read(path: path, passphrase: { nil }) }
        #expect(throws: KeyError.wrongPassphrase) { try ReviewerIdentity.read(path: path, passphrase: { self.passphrase("wrong") }) }
        let read = try ReviewerIdentity.read(path: path, passphrase: { self.passphrase("correct horse") })
        #expect(read.publicKey == identity.publicKey)
    }

    @Test("protection below the minimum cost is refused, so no file can quietly weaken it")
    func weakParametersRefused() throws {
        let identity = try ReviewerIdentity.generate(name: "alice")
        let text = String(decoding: try identity.encoded(passphrase: passphrase("p")), as: UTF8.self)
            .replacingOccurrences(of: "\"ops\":3", with: "\"ops\":1")
        let path = try dir.write(Array(text.utf8), to: "weak.seckey")
        #expect(throws: KeyError.weakParameters) { try ReviewerIdentity.read(path: path, passphrase: { self.passphrase("p") }) }
    }

    @Test("a truncated key file is reported as malformed")
    func truncated() throws {
        let bytes = try ReviewerIdentity.generate(name: "alice").encoded(passphrase: nil)
        let path = try dir.write(Array(bytes.prefix(bytes.count / 2)), to: "t.seckey")
        #expect(throws: KeyError.self) { try ReviewerIdentity.read(path: path, passphrase: { nil }) }
    }

    @Test("a key file whose kid does not match its keys is refused")
    func kidMismatch() throws {
        let identity = try ReviewerIdentity.generate(name: "alice")
        let other = try ReviewerIdentity.generate(name: "bob")
        let text = String(decoding: try identity.publicKey.encoded(), as: UTF8.self)
            .replacingOccurrences(of: identity.kid.base64URL, with: other.kid.base64URL)
        let path = try dir.write(Array(text.utf8), to: "a.pub")
        #expect(throws: KeyError.kidMismatch) { try ReviewerPublicKey.read(path: path) }
    }

    @Test("a public key file is not accepted where a secret key is expected")
    func wrongType() throws {
        let identity = try ReviewerIdentity.generate(name: "alice")
        let path = try dir.write(identity.publicKey.encoded(), to: "a.pub")
        #expect(throws: KeyError.wrongType(expected: ReviewerIdentity.type, found: ReviewerPublicKey.type)) {
            try ReviewerIdentity.read(path: path, passphrase: { nil })
        }
    }

    /// Low-order points of Curve25519 (from the libsodium blocklist): each gives an all-zero
    /// shared secret, which RFC 9180 §7.1.4 requires refusing.
    @Test("low-order X25519 public keys are refused", arguments: [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ])
    func lowOrderRefused(hex: String) throws {
        let point = try #require(Hex.decode(hex))
        #expect(!X25519Check.isAcceptable(point))
        #expect(throws: KeyError.lowOrderPoint) { try EnvelopeRecipient(replyKey: point) }
    }

    @Test("an ordinary X25519 public key is accepted")
    func ordinaryAccepted() throws {
        #expect(X25519Check.isAcceptable(try ReviewerIdentity.generate(name: "a").publicKey.x25519))
    }

    @Test("signing keys round-trip and their signatures verify")
    func signingKeys() throws {
        let key = try SigningKey.generate(.fetchCredential(name: "alice"))
        let path = try dir.write(key.encoded(passphrase: nil), to: "alice.fetch.seckey")
        let read = try SigningKey.read(path: path, organisation: false, passphrase: { nil })
        #expect(read.publicKey == key.publicKey)
        let pubPath = try dir.write(key.encodedPublic(), to: "alice.fetch.pub")
        let pub = try VerifyingKey.read(path: pubPath, organisation: false)
        #expect(pub.name == "alice")
        #expect(pub.isValidSignature(try read.signature(for: [1, 2, 3]), for: [1, 2, 3]))
        #expect(!pub.isValidSignature(try read.signature(for: [1, 2, 3]), for: [1, 2, 4]))
    }
}
