import SealCore

/// The answer to an accepted envelope (202): its id, which the sender can compute from the
/// bytes it sent, and from a relay with a relay key the day and that key's signature
/// (docs/API.md "Receipts"). A relay older than signed receipts sends the id alone.
public struct Receipt: Codable, Sendable, Equatable {
    public var receipt: EnvelopeID
    public var day: String?
    public var sig: String?

    public init(receipt: EnvelopeID) { self.receipt = receipt }

    public init(_ signed: SignedReceipt) {
        self.receipt = signed.receipt
        self.day = signed.day
        self.sig = signed.sig
    }

    /// The signed receipt, when the relay sent one.
    public var signed: SignedReceipt? {
        guard let day, let sig else { return nil }
        return SignedReceipt(receipt: receipt, day: day, sig: sig)
    }
}
