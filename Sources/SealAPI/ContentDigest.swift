import Foundation
import SealCore

/// The `Content-Digest` of a signed request's body (RFC 9530), SHA-256 only:
/// `sha-256=:BASE64:`. A reviewer's signature covers this header, and the relay checks the
/// body against it, so a signed upload cannot be swapped for other bytes in transit or by
/// whoever replays its headers.
public enum ContentDigest {
    public static let algorithm = "sha-256"

    /// The header value for a body whose SHA-256 is `digest`.
    public static func header(sha256 digest: some Sequence<UInt8>) -> String {
        "\(algorithm)=:\(Data(digest).base64EncodedString()):"
    }

    /// The 32-byte SHA-256 a header value states; nil for any other shape or algorithm.
    public static func parse(_ value: String) -> [UInt8]? {
        let prefix = "\(algorithm)=:"
        guard value.hasPrefix(prefix), value.hasSuffix(":"), value.utf8.count == prefix.utf8.count + 45 else { return nil }
        let text = String(value.dropFirst(prefix.count).dropLast())
        guard let bytes = Data(base64Encoded: text), bytes.count == 32, bytes.base64EncodedString() == text else { return nil }
        return Array(bytes)
    }

    /// The header value for a file's bytes (an envelope may be larger than memory).
    public static func header(ofFile path: String) throws -> String {
        header(sha256: try EnvelopeHasher(file: path).digest())
    }
}
