import SealCore
import Testing
@testable import SealScrub

/// FLAC metadata blocks and Ogg page checksums, on streams built here.
@Suite("FLAC blocks and Ogg pages")
struct AudioContainerTests {
    static func block(_ type: UInt8, last: Bool = false, _ body: [UInt8]) -> [UInt8] {
        [type | (last ? 0x80 : 0)] + ByteFields.beBytes(body.count, width: 3) + body
    }

    static let streamInfo = [UInt8](repeating: 0x11, count: 34)
    static let comment: [UInt8] = ByteFields.leBytes(4, width: 4) + Array("lavf".utf8) + ByteFields.leBytes(1, width: 4)
        + ByteFields.leBytes(13, width: 4) + Array("ARTIST=Kim Ch".utf8)
    static let frames: [UInt8] = [0xFF, 0xF8, 0x69, 0x08, 0x00, 0x00, 0x42]

    @Test("a FLAC Vorbis comment block goes, STREAMINFO stays and becomes the last block")
    func flacCommentRemoved() throws {
        let flac = Array("fLaC".utf8) + Self.block(0, Self.streamInfo) + Self.block(4, last: true, Self.comment) + Self.frames
        let out = try InMemoryScrub.run(FLACScrubber(), flac)
        #expect(out.bytes == Array("fLaC".utf8) + Self.block(0, last: true, Self.streamInfo) + Self.frames)
        #expect(out.removed.contains(MediaWords.artist) && out.removed.contains(MediaWords.software))
    }

    @Test("a FLAC block that claims more bytes than the file holds is refused")
    func flacBlockPastTheEndRefused() {
        let flac = Array("fLaC".utf8) + Self.block(0, Self.streamInfo) + [0x84, 0x00, 0x10, 0x00] + Self.frames
        #expect(throws: ScrubError.self) { try InMemoryScrub.run(FLACScrubber(), flac) }
    }

    @Test("a FLAC stream whose first block is not STREAMINFO is refused")
    func flacWithoutStreamInfoRefused() {
        let flac = Array("fLaC".utf8) + Self.block(4, last: true, Self.comment) + Self.frames
        #expect(throws: ScrubError.self) { try InMemoryScrub.run(FLACScrubber(), flac) }
    }

    static func source(_ bytes: [UInt8]) throws -> MediaSource {
        try MediaSource(InputFile(bytes: bytes, name: "page.ogg"), format: "Ogg")
    }

    static let page = OggPage(flags: OggPage.firstPage, granule: 0, serial: 7, sequence: 0, lacing: [5], body: Array("hello".utf8))

    @Test("an Ogg page written with its checksum reads back")
    func oggPageRoundTrip() throws {
        let read = try OggPage.read(Self.source(Self.page.finished()), at: 0)
        #expect(read.serial == 7 && read.finished() == Self.page.finished())
    }

    @Test("an Ogg page with one changed byte fails its checksum")
    func oggPageChecksumChecked() {
        var damaged = Self.page.finished()
        damaged[damaged.count - 1] ^= 0x01
        #expect(throws: ScrubError.self) { try OggPage.read(Self.source(damaged), at: 0) }
    }

    @Test("the Ogg checksum is CRC-32 with polynomial 0x04C11DB7, unreflected, starting from zero")
    func oggChecksumKnownValue() throws {
        // The page's CRC field holds the value; a page of all-zero CRC input is checked
        // against one computed independently here, bit by bit.
        let bytes = Self.page.finished()
        var crc: UInt32 = 0
        for (i, byte) in bytes.enumerated() {
            crc ^= UInt32((22..<26).contains(i) ? 0 : byte) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        }
        #expect(ByteFields.le(bytes, 22, 4) == Int(crc))
    }
}
