import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from the file system, phrased for the person at the terminal.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) {
        self.description = description
    }

    static func posix(_ what: String, _ path: String, errno code: Int32 = errno) -> FileError {
        FileError(description: "\(what) \(path): \(String(cString: strerror(code)))")
    }
}

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
        var done = 0
        while done < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.posix("cannot read", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
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
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.posix("cannot read", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
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

/// An output that appears under its final name only once it is complete and on stable
/// storage: bytes go to a hidden temporary file beside it, then fsync, rename, fsync of the
/// directory. If the process dies or the writer is dropped before `commit()`, the temporary
/// file is removed (or, after a crash, left under a name no reader mistakes for output).
public final class AtomicFile {
    public let finalPath: String
    private let tempPath: String
    private var fd: Int32
    private var committed = false
    /// Set for an output that stays in memory (see `init(inMemoryNamed:)`).
    public private(set) var memory: [UInt8]?

    /// - Parameter mode: 0o600 for anything secret; the default for ordinary outputs.
    public init(path: String, mode: mode_t = 0o644, replaceExisting: Bool = false) throws {
        if !replaceExisting, FileManager.default.fileExists(atPath: path) {
            throw FileError(description: "\(path) already exists; refusing to overwrite it")
        }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        let suffix = Hex.encode(Sodium.randomBytes(6))
        self.tempPath = (dir as NSString).appendingPathComponent(".\(name).\(suffix).partial")
        self.finalPath = path
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError.posix("cannot create a file in", dir) }
        // The umask must not widen or narrow what the caller asked for.
        fchmod(fd, mode)
        self.fd = fd
    }

    /// An output that collects in memory and is never committed: the cleaned copy of an
    /// image that goes back inside a document.
    public init(inMemoryNamed name: String) {
        self.finalPath = name
        self.tempPath = ""
        self.fd = -1
        self.committed = true
        self.memory = []
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(tempPath) }
    }

    /// For libraries that write by file name (qpdf): a path to the open temporary file, so
    /// the library writes into it and `commit()` still syncs and renames it. Nil in memory
    /// or after commit.
    public var descriptorPath: String? { fd >= 0 && memory == nil ? FileSystem.path(ofDescriptor: fd) : nil }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if memory != nil {
            memory?.append(contentsOf: bytes)
            return
        }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.posix("cannot write", finalPath)
            }
            done += n
        }
    }

    /// Writes at an absolute offset, for outputs filled out of order.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        if var buffer = memory {
            memory = nil  // keep the array uniquely referenced while it is edited
            if buffer.count < offset + bytes.count { buffer += [UInt8](repeating: 0, count: offset + bytes.count - buffer.count) }
            buffer.withUnsafeMutableBytes { ($0.baseAddress! + offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            memory = buffer
            return
        }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.posix("cannot write", finalPath)
            }
            done += n
        }
    }

    public func write(_ bytes: some ContiguousBytes) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Makes the file durable and visible under its final name.
    public func commit() throws {
        guard memory == nil else { throw FileError(description: "\(finalPath) is held in memory and cannot be committed") }
        guard fsync(fd) == 0 else { throw FileError.posix("cannot sync", finalPath) }
        close(fd)
        fd = -1
        guard rename(tempPath, finalPath) == 0 else { throw FileError.posix("cannot rename into", finalPath) }
        committed = true
        try FileSystem.syncDirectory(of: finalPath)
    }

    /// Writes a whole small file atomically.
    public static func write(_ bytes: some ContiguousBytes, to path: String, mode: mode_t = 0o644, replaceExisting: Bool = false) throws {
        let file = try AtomicFile(path: path, mode: mode, replaceExisting: replaceExisting)
        try file.write(bytes)
        try file.commit()
    }
}

public enum FileSystem {
    /// The name under which the kernel reopens an open descriptor.
    static func path(ofDescriptor fd: Int32) -> String {
        #if os(Linux)
        return "/proc/self/fd/\(fd)"
        #else
        return "/dev/fd/\(fd)"
        #endif
    }

    /// fsync of the directory that holds `path`, so a rename survives a power cut.
    public static func syncDirectory(of path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try syncDirectory(dir)
    }

    public static func syncDirectory(_ dir: String) throws {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw FileError.posix("cannot open directory", dir) }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw FileError.posix("cannot sync directory", dir) }
    }

    /// Creates a directory (and parents) readable only by its owner.
    public static func makePrivateDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw FileError(description: "cannot create directory \(path)")
        }
    }

    public static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
