import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one pass over an image found. `removed` is everything a scrub takes out (shown to
/// the source); `identifying` is the part a reviewer must be warned about, so a harmless
/// leftover such as a pixel-density field does not raise an alarm in `seal open`.
struct ImageFindings {
    private(set) var removed: [String] = []
    private(set) var identifying: [String] = []

    mutating func add(_ words: String, identifying isIdentifying: Bool = true) {
        if !removed.contains(words) { removed.append(words) }
        if isIdentifying, !identifying.contains(words) { identifying.append(words) }
    }

    mutating func add(contentsOf other: [String]) {
        for words in other { add(words) }
    }
}

/// A forward-only reader over an `InputFile` with a position, so a parser can tell where
/// it is and refuse lengths that point past the end of the file before it allocates for
/// them. Every read is bounded by the caller; nothing here grows with the file size.
final class ImageReader {
    let file: InputFile
    let size: Int
    let name: String
    let format: String
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0
    /// Absolute offset of the next unread byte.
    private(set) var position = 0

    init(_ file: InputFile, format: String) throws {
        self.file = file
        self.size = try file.size()
        self.name = URL(fileURLWithPath: file.path).lastPathComponent
        self.format = format
    }

    var remaining: Int { max(0, size - position) }

    func malformed(_ reason: String) -> ScrubError {
        .malformed(name: name, format: format, reason: reason)
    }

    private func fill() throws -> Bool {
        if start < end { return true }
        let n = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
        start = 0
        end = n
        return n > 0
    }

    /// The next byte, or nil at the end of the file.
    func byte() throws -> UInt8? {
        guard try fill() else { return nil }
        let b = buffer[start]
        start += 1
        position += 1
        return b
    }

    func peek() throws -> UInt8? {
        guard try fill() else { return nil }
        return buffer[start]
    }

    func atEnd() throws -> Bool { try !fill() }

    /// Exactly `count` bytes; the caller bounds `count` (a header, a small segment).
    func bytes(_ count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw malformed("\(what()) runs past the end of the file") }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            guard try fill() else { throw malformed("\(what()) runs past the end of the file") }
            let n = min(count - out.count, end - start)
            out += buffer[start..<(start + n)]
            start += n
            position += n
        }
        return out
    }

    /// Streams `count` bytes to `sink` (nil: skip them), also handing them to `capture` for
    /// a parser that wants to name what they hold (it bounds what it keeps).
    func copy(_ count: Int, to sink: ImageSink?, what: @autoclosure () -> String,
              capture: ((UnsafeRawBufferPointer) -> Void)? = nil) throws {
        guard count >= 0, count <= remaining else { throw malformed("\(what()) runs past the end of the file") }
        var left = count
        while left > 0 {
            guard try fill() else { throw malformed("\(what()) runs past the end of the file") }
            let n = min(left, end - start)
            try buffer.withUnsafeBytes { raw in
                let piece = UnsafeRawBufferPointer(rebasing: raw[start..<(start + n)])
                try sink?.write(piece)
                capture?(piece)
            }
            start += n
            position += n
            left -= n
        }
    }

    /// Copies entropy-coded JPEG data up to the next marker and returns that marker's code
    /// (the 0xFF and the code are consumed, not copied). Stuffed bytes (FF 00) and restart
    /// markers stay in the data; fill bytes before a marker are dropped.
    func copyEntropyData(to sink: ImageSink?) throws -> UInt8 {
        while true {
            guard try fill() else { throw malformed("the image data ends without an end-of-image marker") }
            // Copy everything up to the next 0xFF in one piece.
            let found: Int? = buffer.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return nil }
                guard let hit = memchr(base + start, 0xFF, end - start) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            let stop = found ?? end
            if stop > start {
                try buffer.withUnsafeBytes { try sink?.write(UnsafeRawBufferPointer(rebasing: $0[start..<stop])) }
                position += stop - start
                start = stop
            }
            guard found != nil else { continue }
            // At an 0xFF: look at what follows, skipping fill bytes.
            start += 1
            position += 1
            var code: UInt8
            repeat {
                guard let next = try byte() else { throw malformed("the image data ends without an end-of-image marker") }
                code = next
            } while code == 0xFF
            if code == 0x00 || (0xD0...0xD7).contains(code) {
                try sink?.write([0xFF, code])
                continue
            }
            return code
        }
    }
}

/// Buffers small writes to the output so a scrub does not make one system call per segment.
final class ImageSink {
    private let output: AtomicFile
    private var pending: [UInt8] = []
    private(set) var written = 0

    init(_ output: AtomicFile) {
        self.output = output
        pending.reserveCapacity(1 << 16)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        written += bytes.count
        if pending.count + bytes.count > 1 << 16 {
            try flush()
            if bytes.count >= 1 << 16 {
                try output.write(bytes)
                return
            }
        }
        pending += bytes
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        try output.write(pending)
        pending.removeAll(keepingCapacity: true)
    }
}

/// Big- and little-endian integers out of untrusted bytes: every read is bounds-checked and
/// answers nil instead of trapping, so a lying length field cannot crash the scrubber.
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
        guard width >= 0, width <= 8, at >= 0, at <= bytes.count - width else { return nil }
        var v: UInt64 = 0
        for i in 0..<width {
            let b = UInt64(bytes[bigEndian ? at + i : at + width - 1 - i])
            v = v << 8 | b
        }
        return v > UInt64(Int.max) ? nil : Int(v)
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

enum BigEndian {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
    static func uint(_ v: Int, width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: Int64(v)) >> UInt64(8 * (width - 1 - $0))) }
    }
}

enum LittleEndian {
    static func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}

/// Substring search in bytes; metadata packets are scanned, never decoded as a whole.
/// memchr finds candidate first bytes, so a large packet is not walked byte by byte.
func bytesContain(_ haystack: [UInt8], _ needle: String) -> Bool {
    let n = Array(needle.utf8)
    guard let first = n.first, haystack.count >= n.count else { return false }
    return haystack.withUnsafeBytes { h -> Bool in
        guard let base = h.baseAddress else { return false }
        var at = 0
        let last = h.count - n.count
        while at <= last {
            guard let hit = memchr(base + at, Int32(first), last - at + 1) else { return false }
            let i = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + i, n, n.count) == 0 { return true }
            at = i + 1
        }
        return false
    }
}

/// A short printable rendering of an identifier found in a file, for messages: a hostile
/// file must not put control characters on the reviewer's terminal.
func printableTag(_ bytes: [UInt8], limit: Int = 24) -> String {
    let text = bytes.prefix(limit).prefix { $0 != 0 }.map { (0x20...0x7E).contains($0) ? Character(UnicodeScalar($0)) : "?" }
    return String(text)
}
