import Crypto

/// An envelope's name: the first 16 bytes of SHA-256 of its bytes (`Identifier`). The
/// relay answers an upload with it as the receipt and names inbox entries by it, so a
/// sender or reviewer who hashes what they sent or received can check the relay stored or
/// served exactly those bytes.
public typealias EnvelopeID = Identifier<IdentifierKind.Envelope>

extension Identifier where Kind == IdentifierKind.Envelope {
    /// The name an envelope is stored under.
    public var fileName: String { "\(description).seal" }

    /// The id of a file, read in blocks (an envelope may be larger than memory).
    public static func of(file path: String) throws -> EnvelopeID {
        try EnvelopeHasher(file: path).id()
    }
}

/// SHA-256 over an envelope's bytes as they stream past, giving its `EnvelopeID`.
public struct EnvelopeHasher: Sendable {
    private var sha = SHA256()
    /// Bytes hashed so far.
    public private(set) var count = 0

    public init() {}

    /// A file's bytes hashed, read in blocks (an envelope may be larger than memory).
    public init(file path: String) throws {
        let file = try InputFile(path: path)
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try block.withUnsafeMutableBytes { try file.read(into: $0) }
            if n == 0 { break }
            block.withUnsafeBytes { update(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        sha.update(bufferPointer: bytes)
        count += bytes.count
    }

    public func id() -> EnvelopeID { EnvelopeID(digest: digest()) }

    /// The whole SHA-256, for a body's `Content-Digest`.
    public func digest() -> SHA256.Digest { sha.finalize() }
}
