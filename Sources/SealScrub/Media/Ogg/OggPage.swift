import SealCore

/// One Ogg page, read whole (at most 65,307 bytes) and checked against its CRC.
struct OggPage {
    private(set) var bytes: [UInt8]
    let offset: Int

    static let continued: UInt8 = 0x01, firstPage: UInt8 = 0x02, lastPage: UInt8 = 0x04

    var flags: UInt8 { bytes[5] }
    var serial: Int { ByteFields.le(bytes, 14, 4) ?? 0 }
    var sequence: Int { ByteFields.le(bytes, 18, 4) ?? 0 }
    var lacing: ArraySlice<UInt8> { bytes[27..<(27 + Int(bytes[26]))] }
    var bodyStart: Int { 27 + Int(bytes[26]) }
    var end: Int { offset + bytes.count }

    static func read(_ source: MediaSource, at offset: Int) throws -> OggPage {
        let head = try source.read(at: offset, count: 27, "the Ogg page at byte \(offset)")
        guard ByteFields.starts(head, with: "OggS") else { throw source.malformed("there is no Ogg page at byte \(offset)") }
        guard head[4] == 0 else { throw source.malformed("the Ogg page at byte \(offset) has an unknown version") }
        let lacing = try source.read(at: offset + 27, count: Int(head[26]), "the Ogg page at byte \(offset)")
        let body = lacing.reduce(0) { $0 + Int($1) }
        let bytes = try source.read(at: offset, count: 27 + lacing.count + body, "the Ogg page at byte \(offset)")
        var page = OggPage(bytes: bytes, offset: offset)
        guard page.computedCRC() == ByteFields.le(bytes, 22, 4) else {
            throw source.malformed("the Ogg page at byte \(offset) fails its checksum")
        }
        page.bytes[22..<26] = [0, 0, 0, 0]
        return page
    }

    /// A new page; `crc` is filled in by `finished()`.
    init(flags: UInt8, granule: UInt64, serial: Int, sequence: Int, lacing: [UInt8], body: [UInt8]) {
        var b = Array("OggS".utf8) + [0, flags]
        b += ByteFields.leBytes(Int(truncatingIfNeeded: granule), width: 8)
        b += ByteFields.leBytes(serial, width: 4) + ByteFields.leBytes(sequence, width: 4) + [0, 0, 0, 0]
        b += [UInt8(lacing.count)] + lacing + body
        bytes = b
        offset = 0
    }

    private init(bytes: [UInt8], offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func setSequence(_ sequence: Int) {
        bytes.replaceSubrange(18..<22, with: ByteFields.leBytes(sequence, width: 4))
    }

    /// The page with its checksum, ready to write.
    func finished() -> [UInt8] {
        var out = bytes
        out.replaceSubrange(22..<26, with: ByteFields.leBytes(Int(computedCRC()), width: 4))
        return out
    }

    /// CRC-32 with Ogg's parameters (polynomial 0x04C11DB7, not reflected, initial value
    /// and final XOR zero) over the page with its checksum field taken as zero.
    private func computedCRC() -> Int {
        var crc: UInt32 = 0
        for (i, byte) in bytes.enumerated() {
            let b: UInt8 = (22..<26).contains(i) ? 0 : byte
            crc = (crc << 8) ^ OggPage.table[Int((crc >> 24) ^ UInt32(b))]
        }
        return Int(crc)
    }

    private static let table: [UInt32] = (0..<256).map { i in
        var r = UInt32(i) << 24
        for _ in 0..<8 { r = r & 0x8000_0000 != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1 }
        return r
    }
}
