import Testing
@testable import SealScrub

/// JPEG segment walking on a tiny baseline image built here.
@Suite("JPEG segment walking")
struct JPEGScrubberTests {
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, marker] + ByteFields.beBytes(payload.count + 2, width: 2) + payload
    }

    /// Big-endian TIFF with the camera's make and a "rotate 90°" orientation (6).
    static let exif: [UInt8] = {
        var t: [UInt8] = Array("MM".utf8) + [0x00, 0x2A] + ByteFields.beBytes(8, width: 4)
        t += ByteFields.beBytes(2, width: 2)
        t += [0x01, 0x0F, 0x00, 0x02] + ByteFields.beBytes(8, width: 4) + ByteFields.beBytes(38, width: 4)
        t += [0x01, 0x12, 0x00, 0x03] + ByteFields.beBytes(1, width: 4) + [0x00, 0x06, 0x00, 0x00]
        t += ByteFields.beBytes(0, width: 4)
        return Array("Exif\0\0".utf8) + t + Array("Zetacam\0".utf8)
    }()

    static let tables = segment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
        + segment(0xC0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0])
    static let scan = segment(0xDA, [1, 1, 0x00, 0, 63, 0]) + [0x12, 0x34] + [0xFF, 0xD9]

    static func jpeg(_ metadata: [UInt8]) -> [UInt8] { [0xFF, 0xD8] + metadata + tables + scan }

    @Test("an APP1 EXIF segment is dropped with the camera's make")
    func exifDropped() throws {
        let out = try InMemoryScrub.run(JPEGScrubber(), Self.jpeg(Self.segment(0xE1, Self.exif)))
        #expect(!InMemoryScrub.contains(out.bytes, "Zetacam"))
        #expect(!out.removed.isEmpty)
    }

    @Test("the orientation survives the EXIF removal, so the photo is not shown sideways")
    func orientationKept() throws {
        let out = try InMemoryScrub.run(JPEGScrubber(), Self.jpeg(Self.segment(0xE1, Self.exif)))
        let marker = Array("Exif\0\0".utf8)
        let at = try #require((0...(out.bytes.count - marker.count)).first { Array(out.bytes[$0..<($0 + marker.count)]) == marker })
        #expect(ImageMetadata.exif(tiff: Array(out.bytes[(at + marker.count)...])).orientation == 6)
    }

    @Test("a comment segment is dropped and the image segments pass through byte for byte")
    func commentDroppedImageKept() throws {
        let out = try InMemoryScrub.run(JPEGScrubber(), Self.jpeg(Self.segment(0xFE, Array("shot by Kim".utf8))))
        #expect(out.bytes == Self.jpeg([]))
    }

    @Test("a segment whose length points past the end of the file is refused")
    func lengthPastTheEndRefused() {
        let cut = [0xFF, 0xD8] + Array(Self.segment(0xE1, Self.exif).prefix(20))
        #expect(throws: ScrubError.self) { try InMemoryScrub.run(JPEGScrubber(), cut) }
    }
}
