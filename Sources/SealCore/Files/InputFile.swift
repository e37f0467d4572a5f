import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for sequential reading, with reads that never come back short except at
/// the end of the file, so callers can tell "end of stream" from "the kernel gave less".
///
/// It can also stand for bytes already in memory: an image inside a PDF or an office
/// document goes through the same scrubbers as a photo on disk, without ever being written
/// out as a plaintext temporary file.
public final class InputFile {
    private let fd: Int32
    private let memory: [UInt8]?
    private var memoryPosition = 0
    public let path: String

    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.posix("cannot open", path) }
        self.fd = fd
        self.memory = nil
        self.path = path
    }

    /// `name` stands in for the path in error messages.
    public init(bytes: [UInt8], name: String) {
        self.fd = -1
        self.memory = bytes
        self.path = name
    }

    deinit { if fd >= 0 { close(fd) } }

    /// For libraries that open files by name (qpdf): a path to this very open file, so the
    /// library reads what was opened even if the name is replaced meanwhile. Nil in memory.
    public var descriptorPath: String? { fd >= 0 ? FileSystem.path(ofDescriptor: fd) : nil }

    /// The bytes of an input held in memory; nil for a file on disk.
    public var bytesInMemory: [UInt8]? { memory }

    /// A second, independent reader over the same file, for scrubbers that take two passes.
    public func reopened() throws -> InputFile {
        if let memory { return InputFile(bytes: memory, name: path) }
        return try InputFile(path: path)
    }

    /// The size now; a file that grows while it is read is caught by the reader's length checks.
    public func size() throws -> Int {
        if let memory { return memory.count }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError.posix("cannot stat", path) }
        return Int(st.st_size)
    }

    /// What changes when anyone writes to the file: size, modification and change times.
    public struct Stamp: Equatable, Sendable {
        let size: Int
        let modified: timespec
        let changed: timespec

        public static func == (a: Stamp, b: Stamp) -> Bool {
            a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
                && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
        }
    }

    public func stamp() throws -> Stamp {
        if let memory { return Stamp(size: memory.count, modified: timespec(), changed: timespec()) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError.posix("cannot stat", path) }
        return Stamp(size: Int(st.st_size), modified: st.st_mtim, changed: st.st_ctim)
    }

    public func seek(to offset: Int) throws {
        if let memory {
            guard offset >= 0, offset <= memory.count else { throw FileError(description: "cannot seek in \(path)") }
            memoryPosition = offset
            return
        }
        guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else { throw FileError.posix("cannot seek in", path) }
    }

    /// Reads up to `count` bytes into `buffer` starting at `offset`; returns how many were read
    /// (fewer than asked only at end of file).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if memory != nil {
            let n = try read(into: buffer, at: memoryPosition)
            memoryPosition += n
            return n
        }
        guard let base = buffer.baseAddress else { return 0 }
        return try FileSystem.transferAll(count: buffer.count, "cannot read", path) { done in
            Glibc.read(fd, base + done, buffer.count - done)
        }
    }

    /// Reads at an absolute offset without moving the read position, for formats whose
    /// index sits anywhere in the file; fewer bytes than asked only at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        if let memory {
            guard offset >= 0 else { throw FileError(description: "cannot read \(path) at a negative offset") }
            let n = max(0, min(buffer.count, memory.count - offset))
            if n > 0 {
                memory.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            }
            return n
        }
        guard let base = buffer.baseAddress else { return 0 }
        return try FileSystem.transferAll(count: buffer.count, "cannot read", path) { done in
            pread(fd, base + done, buffer.count - done, off_t(offset + done))
        }
    }

    /// Reads up to `count` bytes; an empty array means end of file.
    public func read(upTo count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withUnsafeMutableBytes { try read(into: $0) }
        bytes.removeLast(count - n)
        return bytes
    }

    public func readExactly(_ count: Int, what: @autoclosure () -> String) throws -> [UInt8] {
        let bytes = try read(upTo: count)
        guard bytes.count == count else { throw FileError(description: "\(path): truncated \(what())") }
        return bytes
    }

    /// Reads a whole small file (keys, bundles), refusing anything larger than `limit`.
    public static func readAll(path: String, limit: Int) throws -> [UInt8] {
        let file = try InputFile(path: path)
        var bytes: [UInt8] = []
        // Grow as the file does: `limit` is a ceiling, not an allocation.
        while true {
            let block = try file.read(upTo: min(1 << 16, limit + 1 - bytes.count))
            bytes += block
            guard bytes.count <= limit else {
                throw FileError(description: "\(path) is too large (more than \(limit) bytes)")
            }
            if block.isEmpty { return bytes }
        }
    }
}
