import Crypto
import Foundation

/// The name of one envelope on the wire: base64url without padding of the first 16 bytes of
/// SHA-256 over the envelope's exact bytes (22 characters). The relay answers an upload
/// with it as the receipt and lists its inbox by it, so either side can check that the
/// bytes stored, served or fetched are exactly the bytes meant: a client computes it over
/// what it sent or received and compares.
public struct EnvelopeID: Hashable, Sendable, CustomStringConvertible {
    /// The 22-character text form; safe as a file name (base64url alphabet only).
    public let text: String

    public static let byteCount = 16
    public static let textLength = 22

    /// Accepts only the canonical 22-character form, so a hostile peer cannot smuggle a
    /// path separator, a dot or a different spelling of the same id into a file name.
    public init?(_ text: String) {
        guard text.utf8.count == Self.textLength, Base64URL.decode(text, count: Self.byteCount) != nil else {
            return nil
        }
        self.text = text
    }

    init(digest: some Sequence<UInt8>) {
        self.text = Base64URL.encode(Array(digest.prefix(Self.byteCount)))
    }

    public var description: String { text }

    /// The id of bytes held in memory.
    public static func of(_ bytes: some ContiguousBytes) -> EnvelopeID {
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// The id of a file, read in blocks (an envelope may be larger than memory).
    public static func of(file path: String) throws -> EnvelopeID {
        let file = try InputFile(path: path)
        var hasher = Hasher()
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try block.withUnsafeMutableBytes { try file.read(into: $0) }
            if n == 0 { break }
            block.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
            if n < block.count { break }
        }
        return hasher.finalize()
    }

    /// Computes an id while the bytes stream past (upload or download).
    public struct Hasher: Sendable {
        private var sha = SHA256()
        public private(set) var count = 0

        public init() {}

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            sha.update(bufferPointer: bytes)
            count += bytes.count
        }

        public func finalize() -> EnvelopeID {
            EnvelopeID(digest: sha.finalize())
        }
    }
}
