import Testing
@testable import SealCore

@Suite("Big-endian reader")
struct BigEndianReaderTests {
    let reader = BigEndianReader([0x00, 0x01, 0x02, 0x03, 0xFF, 0xFE, 0xFD, 0xFC, 0x80])

    @Test("reads integers most significant byte first")
    func reads() {
        #expect(reader.u8(at: 4) == 0xFF)
        #expect(reader.u16(at: 1) == 0x0102)
        #expect(reader.u32(at: 0) == 0x0001_0203)
        #expect(reader.u64(at: 0) == 0x0001_0203_FFFE_FDFC)
        #expect(reader.bytes(at: 2, count: 3) == [0x02, 0x03, 0xFF])
    }

    @Test("a read past either end, or beyond Int, answers nil instead of trapping")
    func boundsChecked() {
        #expect(reader.u32(at: 6) == nil)
        #expect(reader.u8(at: -1) == nil)
        #expect(reader.u16(at: Int.max) == nil)
        #expect(reader.bytes(at: 8, count: 2) == nil)
        #expect(reader.bytes(at: 0, count: -1) == nil)
        #expect(reader.uint(at: 0, width: 9) == nil)
        #expect(BigEndianReader([0xFF, 0, 0, 0, 0, 0, 0, 0]).u64(at: 0) == nil)
    }

    @Test("bytes(of:width:) is the inverse of uint(at:width:)")
    func roundTrip() {
        for value in [0, 1, 0xFF, 0x1234, 0xDEAD_BEEF, Int(Int32.max)] {
            #expect(BigEndianReader(BigEndianReader.bytes(of: value, width: 4)).u32(at: 0) == value)
        }
        #expect(BigEndianReader.bytes(of: 0x0102_0304, width: 4) == [1, 2, 3, 4])
    }
}
