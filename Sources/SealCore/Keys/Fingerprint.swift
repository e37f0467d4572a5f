import Crypto
import Foundation

/// A SHA-256 fingerprint shown two ways: full hex for machines and for pinning, and
/// groups of decimal digits that two people can read to each other over a bad phone line.
public struct Fingerprint: Equatable, Sendable {
    public let bytes: [UInt8]

    public init(of data: [UInt8]) {
        self.bytes = Array(SHA256.hash(data: data))
    }

    /// Parses the hex form; spaces and colons are allowed so a grouped copy pastes.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public var hex: String { Hex.encode(bytes) }

    /// Six groups of five digits from the first 30 bytes (about 100 bits), the way Signal's
    /// safety numbers are built: each 5-byte slice as a big-endian number mod 100000.
    public var digitGroups: String {
        (0..<6).map { group in
            let slice = bytes[(group * 5)..<(group * 5 + 5)]
            let n = slice.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 100_000
            let s = String(n)
            return String(repeating: "0", count: 5 - s.count) + s
        }.joined(separator: " ")
    }
}
