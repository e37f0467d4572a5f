import SealScrub
import Testing

/// A scrubber is chosen by what a file is, never by its name.
@Suite struct ContentTypeTests {
    @Test("a JPEG is recognised by its first bytes") func jpegByMagic() {
        #expect(ContentType.detect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .jpeg)
    }

    @Test("a PDF renamed to .txt is still a PDF") func pdfByMagic() {
        #expect(ContentType.detect(Array("%PDF-1.7\n".utf8)) == .pdf)
    }

    @Test("bytes that are no known format and not text are unknown") func unknownBytes() {
        #expect(ContentType.detect([0x00, 0x01, 0x02, 0x03, 0xFE, 0xFF]) == .unknown)
    }
}
