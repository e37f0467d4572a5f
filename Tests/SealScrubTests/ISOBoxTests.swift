import Testing
@testable import SealScrub

/// The one ISO base media box walker that HEIF and MP4 share: size forms and limits.
@Suite("ISO-BMFF box walking")
struct ISOBoxTests {
    struct Stop: Error { let reason: String }

    static func box(_ type: String, _ body: [UInt8]) -> [UInt8] {
        ByteFields.beBytes(body.count + 8, width: 4) + Array(type.utf8) + body
    }

    func parse(_ bytes: [UInt8], at: Int = 0, limit: Int? = nil) throws -> ISOBox {
        try ISOBox.parse(bytes, at: at, limit: limit ?? bytes.count, fail: { Stop(reason: $0) })
    }

    @Test("a 32-bit size gives the box's type, size and content range")
    func compactSize() throws {
        let b = try parse(Self.box("free", [1, 2, 3]))
        #expect(b.name == "free" && b.size == 11 && b.headerSize == 8 && b.contentRange == 8..<11 && !b.large)
    }

    @Test("a size of 1 takes the 64-bit size that follows the type")
    func largeSize() throws {
        let bytes = ByteFields.beBytes(1, width: 4) + Array("mdat".utf8) + ByteFields.beBytes(20, width: 8) + [9, 9, 9, 9]
        let b = try parse(bytes)
        #expect(b.size == 20 && b.headerSize == 16 && b.contentStart == 16 && b.large)
        #expect(ISOBox.header(type: b.type, size: b.size, large: true) == Array(bytes.prefix(16)))
    }

    @Test("a size of 0 runs to the end of what contains the box")
    func sizeZeroRunsToTheEnd() throws {
        let bytes = Self.box("ftyp", [0, 0, 0, 0]) + [0, 0, 0, 0] + Array("mdat".utf8) + [7, 7, 7]
        let b = try parse(bytes, at: 12)
        #expect(b.name == "mdat" && b.start == 12 && b.end == bytes.count)
    }

    @Test("a box claiming more bytes than its container holds is refused")
    func truncatedBoxIsRefused() {
        let bytes = Array(Self.box("moov", [1, 2, 3, 4]).dropLast(2))
        #expect(throws: Stop.self) { try parse(bytes) }
    }

    @Test("a box smaller than its own header is refused")
    func sizeBelowHeaderIsRefused() {
        let bytes = ByteFields.beBytes(4, width: 4) + Array("moov".utf8)
        #expect(throws: Stop.self) { try parse(bytes) }
    }

    @Test("a header cut short is refused")
    func cutHeaderIsRefused() {
        #expect(throws: Stop.self) { try parse([0, 0, 0, 8, 0x6D]) }
    }

    @Test("nested boxes are walked in order, each inside its parent")
    func nestedChildren() throws {
        let moov = Self.box("moov", Self.box("trak", Self.box("tkhd", [0, 0])) + Self.box("udta", []))
        let outer = try parse(moov)
        var damaged = false
        let children = ISOBox.children(moov, in: outer.contentRange, damaged: { damaged = true })
        #expect(children.map(\.name) == ["trak", "udta"] && !damaged)
        let grandchildren = ISOBox.children(moov, in: children[0].contentRange, damaged: { damaged = true })
        #expect(grandchildren.map(\.name) == ["tkhd"] && grandchildren[0].end == children[0].end)
    }

    @Test("a QuickTime 32-bit zero after the last child is not damage")
    func zeroTerminator() {
        let list = Self.box("name", [1]) + [0, 0, 0, 0]
        var damaged = false
        let children = ISOBox.children(list, in: 0..<list.count, damaged: { damaged = true })
        #expect(children.count == 1 && !damaged)
    }

    @Test("a damaged child is reported, not thrown")
    func damagedChild() {
        let list = Self.box("name", [1]) + ByteFields.beBytes(99, width: 4) + Array("junk".utf8)
        var damaged = false
        let children = ISOBox.children(list, in: 0..<list.count, damaged: { damaged = true })
        #expect(children.count == 1 && damaged)
    }

    @Test("a box type with unprintable bytes prints as question marks, and © stays")
    func printableName() {
        #expect(ISOBox.name(ISOBox.code("\u{A9}nam")) == "\u{A9}nam")
        #expect(ISOBox.name(0x1B5B_3331) == "?[31")
    }
}
