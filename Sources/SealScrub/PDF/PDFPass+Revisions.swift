import CQPDF
import Foundation
import SealCore

/// Earlier incremental revisions, which a rewrite leaves behind.
extension PDFPass {
    /// Whether the file holds more than one revision. Each incremental update appends a new
    /// cross-reference section ending in %%EOF, and the old ones, with the old metadata,
    /// stay in the file; a linearized file has one extra %%EOF of its own.
    ///
    /// A marker counts only at the start of a line, where the format puts it. qpdf writes a
    /// line break inside a string as `\n`, so a string reading "%%EOF" in a cleaned file (a
    /// fuzzer made one) is not taken for a revision. The count is a byte search, so a marker
    /// at a line's start inside a stream (an embedded PDF) still counts: it can only make the
    /// report say "earlier revisions" when there were none.
    func earlierRevisions() throws -> Bool {
        let size = try input.size()
        let marker = Array("%%EOF".utf8)
        var count = 0
        var offset = 0
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while offset < size {
            let n = try block.withUnsafeMutableBytes { try input.read(into: $0, at: offset) }
            if n == 0 { break }
            var i = 1
            while i + marker.count <= n {
                if block[i - 1] == 0x0A || block[i - 1] == 0x0D,
                   block[i] == 0x25, block[i + 1] == 0x25, block[i + 2] == 0x45, block[i + 3] == 0x4F, block[i + 4] == 0x46 {
                    count += 1
                }
                i += 1
            }
            // Overlap by the marker's length, so a marker across blocks counts once, in the
            // block that also holds the byte before it.
            offset += n < block.count ? n : n - marker.count
        }
        return count - (document.isLinearized ? 1 : 0) > 1
    }
}
