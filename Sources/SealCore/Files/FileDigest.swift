import Crypto

/// SHA-256 of a file as a manifest writes it (lowercase hex), read in blocks: an opened
/// attachment may be larger than memory. `seal verify` and `seal share` check opened
/// attachments against their manifest with it.
public enum FileDigest {
    public static func sha256Hex(ofFile path: String) throws -> (hex: String, size: Int) {
        let file = try InputFile(path: path)
        var sha = SHA256()
        var size = 0
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try block.withUnsafeMutableBytes { try file.read(into: $0) }
            if n == 0 { break }
            size += n
            block.withUnsafeBytes { sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
        }
        return (Hex.encode(sha.finalize()), size)
    }
}
