import Testing
@testable import SealScrub

/// WebP's RIFF chunks: sizes, padding and the VP8X flags that announce metadata.
@Suite("WebP RIFF chunks")
struct WebPScrubberTests {
    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        Array(type.utf8) + ByteFields.leBytes(body.count, width: 4) + body + (body.count % 2 == 1 ? [0] : [])
    }

    static func riff(_ chunks: [UInt8]...) -> [UInt8] {
        let body = Array("WEBP".utf8) + chunks.flatMap { $0 }
        return Array("RIFF".utf8) + ByteFields.leBytes(body.count, width: 4) + body
    }

    /// VP8X with the EXIF (0x08) and XMP (0x04) flags set, for a 1x1 canvas.
    static let extended = chunk("VP8X", [0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    static let cleanExtended = chunk("VP8X", [0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    static let image = chunk("VP8L", [0x2F, 0, 0, 0, 0x00])   // odd size: one padding byte

    @Test("EXIF and XMP chunks go, the RIFF size is recomputed and the VP8X flags cleared")
    func metadataChunksRemoved() throws {
        let xmp = Array("<x:xmpmeta><dc:creator>Kim</dc:creator></x:xmpmeta>".utf8)
        let out = try InMemoryScrub.run(WebPScrubber(), Self.riff(Self.extended, Self.image, Self.chunk("EXIF", Array("Exif\0\0MM".utf8)), Self.chunk("XMP ", xmp)))
        #expect(out.bytes == Self.riff(Self.cleanExtended, Self.image))
        #expect(ByteFields.le(out.bytes, 4, 4) == out.bytes.count - 8)
    }

    @Test("a chunk that runs past the RIFF data is refused")
    func chunkPastTheEndRefused() {
        var bytes = Self.riff(Self.image)
        bytes.replaceSubrange(16..<20, with: ByteFields.leBytes(400, width: 4))
        #expect(throws: ScrubError.self) { try InMemoryScrub.run(WebPScrubber(), bytes) }
    }

    @Test("a RIFF size larger than the file is refused")
    func riffSizePastTheEndRefused() {
        var bytes = Self.riff(Self.image)
        bytes.replaceSubrange(4..<8, with: ByteFields.leBytes(1000, width: 4))
        #expect(throws: ScrubError.self) { try InMemoryScrub.run(WebPScrubber(), bytes) }
    }
}
