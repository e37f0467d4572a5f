import SealCore

/// One ISO base media (MP4, QuickTime, M4A) box header, with the size rules settled: a
/// 32-bit size, a 64-bit size when the 32-bit one is 1, "to the end of the container" when
/// it is 0, and never smaller than the header or past the end of what contains it.
struct ISOBox {
    let type: UInt32
    /// Where the box starts, in the coordinates of the bytes it was parsed from.
    let start: Int
    /// 8, or 16 for a 64-bit size; a `uuid` box's 16-byte extended type is not included.
    let headerSize: Int
    let size: Int
    /// The header said size 1 and carried a 64-bit size; a rewrite keeps that form.
    let large: Bool

    var end: Int { start + size }
    var contentStart: Int { start + headerSize }
    var contentRange: Range<Int> { contentStart..<end }
    var name: String { ISOBox.name(type) }

    /// Parses the header at `at` in `bytes`, for a box that must end by `limit`. `offset`
    /// translates positions in `bytes` to the coordinates the box is reported in (used
    /// when `bytes` is only the header, read from somewhere in a large file).
    static func parse(_ bytes: [UInt8], at: Int, offset: Int = 0, limit: Int,
                      fail: (String) -> any Error) throws -> ISOBox {
        let start = at + offset
        guard let size32 = ByteFields.be(bytes, at, 4), let type = ByteFields.be(bytes, at + 4, 4) else {
            throw fail("a box header at byte \(start) is cut short")
        }
        let fourCC = UInt32(truncatingIfNeeded: type)
        var size = size32
        var header = 8
        var large = false
        if size32 == 1 {
            guard let size64 = ByteFields.be(bytes, at + 8, 8) else {
                throw fail("the 64-bit size of box '\(name(fourCC))' at byte \(start) is cut short or absurd")
            }
            size = size64
            header = 16
            large = true
        } else if size32 == 0 {
            size = limit - start
        }
        guard size >= header else {
            throw fail("box '\(name(fourCC))' at byte \(start) is smaller than its own header")
        }
        guard start <= limit, size <= limit - start else {
            throw fail("box '\(name(fourCC))' at byte \(start) claims \(size) bytes, past the end of what contains it")
        }
        return ISOBox(type: fourCC, start: start, headerSize: header, size: size, large: large)
    }

    /// The box header for `type` with `size` total bytes, in the 32- or 64-bit form.
    static func header(type: UInt32, size: Int, large: Bool) -> [UInt8] {
        if large {
            return ByteFields.beBytes(1, width: 4) + ByteFields.beBytes(Int(type), width: 4) + ByteFields.beBytes(size, width: 8)
        }
        return ByteFields.beBytes(size, width: 4) + ByteFields.beBytes(Int(type), width: 4)
    }

    /// The four-character code for a type written as text; `©` stands for the byte 0xA9
    /// that QuickTime and iTunes use for their user-data tags.
    static func code(_ text: String) -> UInt32 {
        var value: UInt32 = 0
        for scalar in text.unicodeScalars.prefix(4) { value = value << 8 | (scalar.value & 0xFF) }
        return value
    }

    /// A type as text (Latin-1, so 0xA9 reads as ©; other unprintable bytes as ?), for
    /// messages and lookups.
    static func name(_ type: UInt32) -> String {
        var s = ""
        for shift in stride(from: 24, through: 0, by: -8) {
            let byte = UInt8(truncatingIfNeeded: type >> UInt32(shift))
            // Box types come from the file and may end up on a terminal: printable only.
            let printable = UntrustedLabel.isPrintable(byte, allowingCopyright: true)
            s.unicodeScalars.append(Unicode.Scalar(printable ? byte : 0x3F))
        }
        return s
    }

    /// Each child box of `range` in `bytes`, for reading (never for a rewrite): stops at a
    /// QuickTime 32-bit zero terminator and reports a damaged child through `damaged`
    /// instead of throwing, since it is used only to name what is being removed anyway.
    static func children(_ bytes: [UInt8], in range: Range<Int>, damaged: () -> Void) -> [ISOBox] {
        var boxes: [ISOBox] = []
        var at = range.lowerBound
        while at < range.upperBound {
            if range.upperBound - at < 8 {
                // A user-data list may end with a 32-bit zero.
                if ByteFields.be(bytes, at, range.upperBound - at) != 0 { damaged() }
                break
            }
            guard let box = try? parse(bytes, at: at, limit: range.upperBound, fail: { _ in ISOParseStop() }) else {
                damaged()
                break
            }
            boxes.append(box)
            at = box.end
        }
        return boxes
    }
}

struct ISOParseStop: Error {}
