import Foundation
import SealCore

/// A view of untrusted bytes in one byte order, for the image parsers; the reading itself is
/// `ByteFields`'s, so there is one bounds-checked reader.
struct ByteView {
    let bytes: [UInt8]
    let bigEndian: Bool

    init(_ bytes: [UInt8], bigEndian: Bool = true) {
        self.bytes = bytes
        self.bigEndian = bigEndian
    }

    func u8(_ at: Int) -> Int? {
        at >= 0 && at < bytes.count ? Int(bytes[at]) : nil
    }

    func uint(_ at: Int, _ width: Int) -> Int? {
        bigEndian ? ByteFields.be(bytes, at, width) : ByteFields.le(bytes, at, width)
    }

    func u16(_ at: Int) -> Int? { uint(at, 2) }
    func u32(_ at: Int) -> Int? { uint(at, 4) }

    func slice(_ at: Int, _ count: Int) -> [UInt8]? {
        guard count >= 0, at >= 0, at <= bytes.count - count else { return nil }
        return Array(bytes[at..<(at + count)])
    }

    func hasPrefix(_ prefix: [UInt8], at: Int = 0) -> Bool {
        slice(at, prefix.count) == prefix
    }

    func hasPrefix(_ prefix: String, at: Int = 0) -> Bool {
        hasPrefix(Array(prefix.utf8), at: at)
    }
}
