import Testing
@testable import SealScrub

/// Reading parts out of an office document's ZIP container.
@Suite("ZIP container")
struct ZIPPackageTests {
    /// A ZIP archive with one stored (uncompressed) part whose recorded CRC is `crc`; the
    /// name is marked UTF-8 (flag bit 11), as Office writes names outside ASCII.
    static func archive(_ name: String, _ data: [UInt8], crc: UInt32) -> [UInt8] {
        func le(_ v: Int, _ w: Int) -> [UInt8] { ByteFields.leBytes(v, width: w) }
        let n = Array(name.utf8)
        let fields = le(0x0800, 2) + le(0, 2) + le(0, 2) + le(0x21, 2) + le(Int(crc), 4) + le(data.count, 4) + le(data.count, 4) + le(n.count, 2) + le(0, 2)
        let local = [0x50, 0x4B, 0x03, 0x04] + le(20, 2) + fields + n + data
        let central = [0x50, 0x4B, 0x01, 0x02] + le(20, 2) + le(20, 2) + fields + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) + n
        let end = [0x50, 0x4B, 0x05, 0x06] + le(0, 2) + le(0, 2) + le(1, 2) + le(1, 2) + le(central.count, 4) + le(local.count, 4) + le(0, 2)
        return local + central + end
    }

    static let content = Array("<w:document/>".utf8)

    @Test("a part whose checksum matches is read whole")
    func matchingChecksumRead() throws {
        let package = try ZIPPackage(bytes: Self.archive("word/document.xml", Self.content, crc: CRC32.checksum(Self.content)), name: "a.docx")
        #expect(try package.read("word/document.xml") == Self.content)
    }

    @Test("a part whose bytes do not match its checksum is refused as damaged")
    func checksumMismatchRefused() throws {
        let package = try ZIPPackage(bytes: Self.archive("word/document.xml", Self.content, crc: CRC32.checksum(Self.content) ^ 1), name: "a.docx")
        #expect(throws: DocumentError.self) { try package.read("word/document.xml") }
    }

    @Test("a part name with control characters is refused")
    func controlCharactersInNameRefused() {
        #expect(throws: DocumentError.self) {
            try ZIPPackage(bytes: Self.archive("word/\u{1B}[2Jdocument.xml", Self.content, crc: CRC32.checksum(Self.content)), name: "a.docx")
        }
    }
}
