import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-only reader over an `InputFile` with a position, so a parser can tell where
/// it is and refuse lengths that point past the end of the file before it allocates for
/// them. Every read is bounded by the caller; nothing here grows with the file size.
final class ImageReader: FileUnderScrub {
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
        self.name = Self.displayName(file.path)
        self.format = format
    }

    var remaining: Int { max(0, size - position) }

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
