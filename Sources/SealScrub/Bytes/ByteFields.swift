import Foundation
import SealCore

/// Integers out of untrusted bytes, and back: the one reader and writer of binary fields in
/// SealScrub (images, audio, video and containers alike). Big-endian fields are SealCore's
/// `BigEndianReader`, the reader the envelope format uses too; little-endian ones (RIFF,
/// TIFF, Ogg) only the scrubbers need. Every read is bounds-checked and answers nil, so a
/// lying field can never trap; the parsers turn nil into a "malformed" error. A width of 0
/// reads as 0: HEIF location tables size some fields 0 to leave them out.
enum ByteFields {
    static func be(_ bytes: [UInt8], _ at: Int, _ width: Int) -> Int? {
        BigEndianReader.uint(in: bytes, at: at, width: width)
    }

    static func le(_ bytes: [UInt8], _ at: Int, _ width: Int) -> Int? {
        guard width >= 0, width <= 8, at >= 0, at <= bytes.count - width else { return nil }
        var value: UInt64 = 0
        for i in (0..<width).reversed() { value = value << 8 | UInt64(bytes[at + i]) }
        guard value <= UInt64(Int.max) else { return nil }
        return Int(value)
    }

    static func putBE(_ value: Int, width: Int, into bytes: inout [UInt8], at: Int) {
        bytes.replaceSubrange(at..<(at + width), with: BigEndianReader.bytes(of: value, width: width))
    }

    static func beBytes(_ value: Int, width: Int) -> [UInt8] {
        BigEndianReader.bytes(of: value, width: width)
    }

    static func leBytes(_ value: Int, width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func starts(_ bytes: [UInt8], with prefix: String, at: Int = 0) -> Bool {
        let p = Array(prefix.utf8)
        guard at >= 0, bytes.count >= at + p.count else { return false }
        return bytes[at..<(at + p.count)].elementsEqual(p)
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
