import SealCore

/// A proof-of-work challenge as the relay issues it: `0x01 || u32 expiry (Unix minutes) ||
/// u8 bits || 16 random bytes || MAC`, the MAC being the first 16 bytes of
/// HMAC-SHA256(pow_key, everything before it). The relay keeps no state per challenge: it
/// recognises its own by the MAC, so handing out challenges costs it one HMAC and no memory.
/// docs/API.md ("Proof of work") has the layout and a test vector.
public struct PoWChallenge: Hashable, Sendable {
    public static let version: UInt8 = 0x01
    public static let byteCount = 1 + 4 + 1 + 16 + 16
    /// The bytes the MAC covers.
    static let signedCount = byteCount - 16

    public let bytes: [UInt8]

    /// Parses exactly `byteCount` bytes of version 1; anything else is not a challenge.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount, bytes[0] == Self.version else { return nil }
        self.bytes = bytes
    }

    /// Assembles a challenge from its parts; `mac` computes the tag over the first 22 bytes.
    public init(expiryMinute: UInt32, bits: UInt8, random: [UInt8], mac: ([UInt8]) -> [UInt8]) {
        precondition(random.count == 16, "a challenge carries 16 random bytes")
        var signed: [UInt8] = [Self.version]
        signed += withUnsafeBytes(of: expiryMinute.bigEndian) { Array($0) }
        signed.append(bits)
        signed += random
        let tag = mac(signed)
        precondition(tag.count == 16, "a challenge MAC is 16 bytes")
        self.bytes = signed + tag
    }

    /// Unix minute after which the challenge is refused.
    public var expiryMinute: UInt32 {
        bytes[1..<5].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Leading zero bits a solution's work must have.
    public var bits: Int { Int(bytes[5]) }

    /// The 16 random bytes that make each challenge unique.
    public var random: ArraySlice<UInt8> { bytes[6..<22] }

    /// The bytes the MAC covers, and the MAC itself.
    public var signedPart: ArraySlice<UInt8> { bytes[0..<Self.signedCount] }
    public var mac: ArraySlice<UInt8> { bytes[Self.signedCount...] }

    public var base64URL: String { Base64URL.encode(bytes) }
}
