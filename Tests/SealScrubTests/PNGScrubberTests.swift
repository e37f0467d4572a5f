import Testing
@testable import SealScrub

/// PNG chunk walking: what stays byte for byte, what goes, and the checksums written.
@Suite("PNG chunk walking")
struct PNGScrubberTests {
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return ByteFields.beBytes(data.count, width: 4) + typeAndData + ByteFields.beBytes(Int(CRC32.checksum(typeAndData)), width: 4)
    }

    /// A 1x1 greyscale picture, as chunks.
    static let header = chunk("IHDR", ByteFields.beBytes(1, width: 4) + ByteFields.beBytes(1, width: 4) + [8, 0, 0, 0, 0])
    static let data = chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])
    static let end = chunk("IEND", [])

    static func png(_ chunks: [UInt8]...) -> [UInt8] { PNGPass.signature + chunks.flatMap { $0 } }

    @Test("CRC-32 of an empty IEND chunk is the value every PNG ends with")
    func crcOfIEND() {
        #expect(CRC32.checksum(Array("IEND".utf8)) == 0xAE42_6082)
    }

    @Test("a text chunk is dropped and named by its keyword")
    func textChunkDropped() throws {
        let out = try InMemoryScrub.run(PNGScrubber(), Self.png(Self.header, Self.chunk("tEXt", Array("Author\0Kim Chol-su".utf8)), Self.data, Self.end))
        #expect(!InMemoryScrub.contains(out.bytes, "Kim Chol-su"))
        #expect(out.removed.contains("author name"))
    }

    @Test("image chunks pass through byte for byte")
    func imageChunksKept() throws {
        let out = try InMemoryScrub.run(PNGScrubber(), Self.png(Self.header, Self.chunk("tIME", [7, 0xE8, 3, 1, 10, 0, 0]), Self.data, Self.end))
        #expect(out.bytes == Self.png(Self.header, Self.data, Self.end))
        #expect(out.removed == ["date and time modified"])
    }

    @Test("a PNG that stops after its image data gets an end marker with a valid CRC")
    func missingIENDAdded() throws {
        let out = try InMemoryScrub.run(PNGScrubber(), Self.png(Self.header, Self.data))
        #expect(out.bytes == Self.png(Self.header, Self.data, Self.end))
        #expect(Array(out.bytes.suffix(4)) == [0xAE, 0x42, 0x60, 0x82])
    }

    @Test("data after the end marker is dropped")
    func trailingDataDropped() throws {
        let out = try InMemoryScrub.run(PNGScrubber(), Self.png(Self.header, Self.data, Self.end) + Array("hidden".utf8))
        #expect(out.bytes == Self.png(Self.header, Self.data, Self.end))
        #expect(out.removed.contains("data after the end of the image"))
    }

    @Test("a chunk whose length points past the end of the file is refused")
    func lengthPastTheEndRefused() {
        let cut = Array(Self.png(Self.header, Self.data, Self.end).dropLast(14))
        #expect(throws: ScrubError.self) { try InMemoryScrub.run(PNGScrubber(), cut) }
    }

    @Test("an unknown critical chunk is refused")
    func unknownCriticalChunkRefused() {
        #expect(throws: ScrubError.self) {
            try InMemoryScrub.run(PNGScrubber(), Self.png(Self.header, Self.chunk("ZZZZ", [1]), Self.data, Self.end))
        }
    }
}
