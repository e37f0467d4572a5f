import Foundation
import SealCore

/// Random access to an audio or video file being cleaned. Media containers keep their index
/// at either end (an MP4 `moov` after gigabytes of `mdat`, ID3v1 and APE tags in the last
/// bytes of an MP3), so the scrubbers read by offset instead of front to back. Every read is
/// bounded by the caller and checked against the size taken once at open, so a lying length
/// field becomes an error, never a huge allocation.
final class MediaSource: FileUnderScrub {
    let path: String
    let name: String
    let format: String
    let size: Int
    private let file: InputFile
    private var block = [UInt8](repeating: 0, count: MediaSource.blockSize)

    /// Media data is copied in blocks of this size, so memory does not grow with the file.
    static let blockSize = 1 << 16

    init(_ input: InputFile, format: String) throws {
        self.file = input
        self.path = input.path
        self.name = Self.displayName(input.path)
        self.format = format
        self.size = try input.size()
    }

    /// Exactly `count` bytes at `offset`, or an error naming `what` ran past the end.
    func read(at offset: Int, count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw malformed("\(what()) runs past the end of the file")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: offset) }
        guard got == count else { throw malformed("\(what()) runs past the end of the file (the file shrank while it was read)") }
        return bytes
    }

    /// Up to `count` bytes at `offset`, fewer near the end; for looking at what might be there.
    func peek(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, offset < size, count > 0 else { return [] }
        return try read(at: offset, count: min(count, size - offset), "a header")
    }

    /// Streams `count` bytes from `offset` to `output` in fixed blocks, overwriting the bytes
    /// inside `zeroed` (sorted, in file offsets) with zeros and those under `patches` (sorted
    /// by offset) with new values: media data moves through untouched except where a box
    /// points at a position that changed, or holds data that must not leave the device.
    func copy(from offset: Int, count: Int, to output: AtomicFile,
              zeroed: [Range<Int>] = [], patches: [(at: Int, bytes: [UInt8])] = []) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw malformed("data runs past the end of the file")
        }
        var position = offset
        let end = offset + count
        var zeroIndex = 0
        var patchIndex = 0
        while position < end {
            let n = min(MediaSource.blockSize, end - position)
            let got = try block.withUnsafeMutableBytes {
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n]), at: position)
            }
            guard got == n else { throw malformed("data runs past the end of the file (the file shrank while it was read)") }
            let here = position..<(position + n)
            while zeroIndex < zeroed.count, zeroed[zeroIndex].upperBound <= here.lowerBound { zeroIndex += 1 }
            var z = zeroIndex
            while z < zeroed.count, zeroed[z].lowerBound < here.upperBound {
                let cut = zeroed[z].clamped(to: here)
                for i in cut { block[i - position] = 0 }
                z += 1
            }
            while patchIndex < patches.count, patches[patchIndex].at + patches[patchIndex].bytes.count <= here.lowerBound {
                patchIndex += 1
            }
            var p = patchIndex
            while p < patches.count, patches[p].at < here.upperBound {
                for (k, byte) in patches[p].bytes.enumerated() where here.contains(patches[p].at + k) {
                    block[patches[p].at + k - position] = byte
                }
                p += 1
            }
            try block.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            position += n
        }
    }
}
