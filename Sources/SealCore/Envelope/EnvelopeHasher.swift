import Crypto

/// SHA-256 over an envelope's bytes as they stream past, giving the envelope's id on the
/// wire: base64url without padding of the first 16 bytes of the digest (22 characters).
/// The relay answers an upload with it as the receipt and names inbox entries by it, so a
/// client that hashes what it sent or received can check the relay stored or served
/// exactly those bytes. (SealCore has no id type of its own; this is the shared arithmetic.)
public struct EnvelopeHasher: Sendable {
    public static let idByteCount = 16
    public static let idTextLength = 22

    private var sha = SHA256()
    /// Bytes hashed so far.
    public private(set) var count = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        sha.update(bufferPointer: bytes)
        count += bytes.count
    }

    /// The 22-character id of everything hashed.
    public func finalize() -> String {
        Base64URL.encode(Array(sha.finalize().prefix(Self.idByteCount)))
    }

    /// True only for the canonical 22-character form (no padding, dots or slashes), so an id
    /// from the network is safe to use as a file name.
    public static func isValidID(_ text: String) -> Bool {
        text.utf8.count == idTextLength && Base64URL.decode(text, count: idByteCount) != nil
    }

    /// The id of a file, read in blocks (an envelope may be larger than memory).
    public static func id(ofFile path: String) throws -> String {
        let file = try InputFile(path: path)
        var hasher = EnvelopeHasher()
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try block.withUnsafeMutableBytes { try file.read(into: $0) }
            if n == 0 { break }
            block.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
            if n < block.count { break }
        }
        return hasher.finalize()
    }
}
