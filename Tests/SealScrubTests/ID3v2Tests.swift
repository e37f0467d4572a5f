import Testing
@testable import SealScrub

/// ID3v2 tag sizes are "synchsafe": 28 bits spread over four bytes whose top bit is 0, so
/// an MPEG sync pattern can never appear inside the size.
@Suite("ID3v2 tag size")
struct ID3v2Tests {
    @Test("four 7-bit bytes make the size")
    func synchsafeSize() {
        #expect(ID3v2.synchsafe([0x00, 0x00, 0x02, 0x01], 0) == 257)
        #expect(ID3v2.synchsafe([0x7F, 0x7F, 0x7F, 0x7F], 0) == (1 << 28) - 1)
    }

    @Test("a size byte with its top bit set is not a size")
    func topBitRefused() {
        #expect(ID3v2.synchsafe([0x00, 0x00, 0x80, 0x00], 0) == nil)
    }

    @Test("a size cut short is not a size")
    func cutSizeRefused() {
        #expect(ID3v2.synchsafe([0x00, 0x00, 0x01], 0) == nil)
    }
}
