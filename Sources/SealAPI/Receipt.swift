import SealCore

/// The answer to an accepted envelope (202): its id, which the sender can compute from the
/// bytes it sent.
public struct Receipt: Codable, Sendable, Equatable {
    public var receipt: EnvelopeID

    public init(receipt: EnvelopeID) { self.receipt = receipt }
}
