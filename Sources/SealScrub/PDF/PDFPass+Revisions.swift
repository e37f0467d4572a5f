import CQPDF
import Foundation
import SealCore

/// Earlier incremental revisions, which a rewrite leaves behind.
extension PDFPass {
    /// Whether the file holds more than one revision. Each incremental update appends a new
    /// cross-reference section ending in %%EOF, and the old ones, with the old metadata,
    /// stay in the file; a linearized file has one extra %%EOF of its own. The count is a
    /// byte search, so a %%EOF inside a stream (an embedded PDF) counts too: it can only
    /// make the report say "earlier revisions" when there were none.
    func earlierRevisions() throws -> Bool {
        let size = try input.size()
        let marker = Array("%%EOF".utf8)
        var count = 0
        var offset = 0
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while offset < size {
            let n = try block.withUnsafeMutableBytes { try input.read(into: $0, at: offset) }
            if n == 0 { break }
            var i = 0
            while i + marker.count <= n {
                if block[i] == 0x25, block[i + 1] == 0x25, block[i + 2] == 0x45, block[i + 3] == 0x4F, block[i + 4] == 0x46 {
                    count += 1
                }
                i += 1
            }
            // Overlap by the marker's length less one, so a marker across blocks counts once.
            offset += n < block.count ? n : n - (marker.count - 1)
        }
        return count - (document.isLinearized ? 1 : 0) > 1
    }
}
