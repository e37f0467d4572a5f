import Foundation
import SealAPI
import SealCore
import Testing

/// The relay's receipt (docs/FORMAT.md §8, docs/API.md "Receipts"), checked against a
/// vector computed independently with pyca/cryptography: Ed25519 seed 32 bytes of 0x07, id
/// b64url(SHA-256("envelope")[0..16]), day 2026-12-07.
@Suite("Relay receipts")
struct ReceiptTests {
    static let seed = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"
    static let publicKey = "6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw"
    static let id = "TFA8pndh5cSq7P6ZYkTCXQ"
    static let day = "2026-12-07"
    static let sig = "gbl_puqOmqPB2aB4gVz4eYuEhVlbe87HlPnFsGhGkE8WFDORJ-l5xRTi6l9lNUjLeQCoHRcT_rtavgEJgig8Dg"

    static func relayKey() throws -> SigningKey {
        let path = NSTemporaryDirectory() + "relay-\(UUID().uuidString).seckey"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AtomicFile.write(Array("{\"ed25519\":\"\(seed)\",\"type\":\"sealrelay-relay-secret\",\"v\":1}".utf8), to: path, mode: 0o600)
        return try SigningKey.read(path: path, kind: .relay, passphrase: { nil })
    }

    @Test("a receipt signed by the relay key is the vector, and verifies under its public key only")
    func matchesTheVector() throws {
        let key = try Self.relayKey()
        #expect(Base64URL.encode(key.publicKey) == Self.publicKey)
        let id = try #require(EnvelopeID(Self.id))
        let date = try #require(ISO8601DateFormatter().date(from: "2026-12-07T23:59:59Z"))
        let receipt = try SignedReceipt.sign(id, on: date, with: key)
        #expect(receipt == SignedReceipt(receipt: id, day: Self.day, sig: Self.sig))
        #expect(receipt.isSigned(byAnyOf: [key.publicKey]))
        #expect(!receipt.isSigned(byAnyOf: [try SigningKey.generate(.relay).publicKey]))
        #expect(String(decoding: try receipt.encoded(), as: UTF8.self)
                == "{\"day\":\"\(Self.day)\",\"receipt\":\"\(Self.id)\",\"sig\":\"\(Self.sig)\"}")
        #expect(SignedReceipt(headerValue: try receipt.headerValue()) == receipt)
    }

    @Test("an older relay's 202, the id alone, is still a receipt, with no signature to show")
    func olderRelayAnswerIsAccepted() throws {
        let old = try JSONDecoder().decode(Receipt.self, from: Data("{\"receipt\":\"\(Self.id)\"}".utf8))
        #expect(old.receipt.description == Self.id)
        #expect(old.signed == nil)
        let new = try JSONDecoder().decode(Receipt.self, from: Data(
            "{\"day\":\"\(Self.day)\",\"receipt\":\"\(Self.id)\",\"sig\":\"\(Self.sig)\"}".utf8))
        #expect(new.signed == SignedReceipt(receipt: try #require(EnvelopeID(Self.id)), day: Self.day, sig: Self.sig))
    }

    @Test("a day that is not a calendar day, or a signature of the wrong length, never verifies")
    func malformedNeverVerifies() throws {
        let key = try Self.relayKey()
        let id = try #require(EnvelopeID(Self.id))
        #expect(!SignedReceipt(receipt: id, day: "2026-02-30", sig: Self.sig).isSigned(byAnyOf: [key.publicKey]))
        #expect(!SignedReceipt(receipt: id, day: Self.day, sig: String(Self.sig.dropLast(2))).isSigned(byAnyOf: [key.publicKey]))
        #expect(SignedReceipt(headerValue: "not base64 json") == nil)
    }
}
