import Crypto
import Foundation

/// A relay's signed statement that it accepted an envelope on a day (docs/FORMAT.md §8):
/// `{"receipt": ID, "day": "YYYY-MM-DD", "sig": B64URL}`, where `sig` is the relay key's
/// Ed25519 signature over `"sealrelay receipt v1\n" || ID || "\n" || day`. The id is the
/// envelope's content hash, so whoever holds the envelope and the relay's public key can
/// show that this relay had exactly these bytes on that day, and no later than that.
public struct SignedReceipt: Codable, Equatable, Sendable {
    public let receipt: EnvelopeID
    public let day: String
    public let sig: String

    public static let signatureContext = "sealrelay receipt v1\n"
    /// A receipt file is a few hundred bytes; anything much larger is not one.
    public static let maxFileSize = 4096

    public init(receipt: EnvelopeID, day: String, sig: String) {
        self.receipt = receipt
        self.day = day
        self.sig = sig
    }

    /// The bytes the relay signs.
    public static func message(id: EnvelopeID, day: String) -> [UInt8] {
        Array("\(signatureContext)\(id)\n\(day)".utf8)
    }

    /// Signs `id` as accepted on the UTC day of `date` (the only time a receipt carries).
    public static func sign(_ id: EnvelopeID, on date: Date = Date(), with key: SigningKey) throws -> SignedReceipt {
        let day = Day.string(date)
        return SignedReceipt(receipt: id, day: day, sig: Base64URL.encode(try key.signature(for: message(id: id, day: day))))
    }

    /// True when one of `relayKeys` (raw Ed25519 public keys) signed exactly this id and
    /// day, and the day is a real calendar day.
    public func isSigned(byAnyOf relayKeys: [[UInt8]]) -> Bool {
        guard Day.parse(day) != nil, let signature = Base64URL.decode(sig, count: 64) else { return false }
        let signed = Self.message(id: receipt, day: day)
        return relayKeys.contains { raw in
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
            return key.isValidSignature(signature, for: signed)
        }
    }

    /// The JSON form, as stored beside an envelope and in `ID.receipt.json`.
    public func encoded() throws -> [UInt8] { Array(try JSON.encoder.encode(self)) }

    public static func decode(_ bytes: some Collection<UInt8>) -> SignedReceipt? {
        guard bytes.count <= maxFileSize, let r = try? JSONDecoder().decode(SignedReceipt.self, from: Data(bytes)),
              r.day.utf8.count == 10, r.sig.utf8.count <= 128 else { return nil }
        return r
    }

    /// The `Seal-Receipt` header value: the JSON in base64url, so it fits a header.
    public func headerValue() throws -> String { Base64URL.encode(try encoded()) }

    public init?(headerValue: String) {
        guard headerValue.utf8.count <= Self.maxFileSize, let bytes = Base64URL.decode(headerValue),
              let r = Self.decode(bytes) else { return nil }
        self = r
    }
}
