import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// Where `write(_:)` appends.
    private var position = 0
    /// Bytes written so far, in any order.
    private var taken = 0
    /// Set once the file has taken more than one batch: from then on its bytes are written
    /// by another thread (`WriteBehind`). Small files, the relay's receipts among them,
    /// never start one.
    private var behind: WriteBehind?

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
        behind?.abandon()
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
        try write(bytes, at: position)
        position += bytes.count
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
        guard fd >= 0 else { throw FileError(description: "\(finalPath) is already committed") }
        taken += bytes.count
        if behind == nil, taken > WriteBehind.batchSize { behind = WriteBehind(fd: fd, path: finalPath) }
        if let behind { return try behind.write(bytes, at: offset) }
        guard let base = bytes.baseAddress else { return }
        let done = try FileSystem.transferAll(count: bytes.count, "cannot write", finalPath) { done in
            pwrite(fd, base + done, bytes.count - done, off_t(offset + done))
        }
        guard done == bytes.count else { throw FileError(description: "cannot write \(finalPath): the disk took no more bytes") }
    }

    /// Waits for the bytes written by another thread, if any; throws the first failure.
    private func finishWrites() throws {
        try behind?.finish()
        behind = nil
    }

    public func write(_ bytes: some ContiguousBytes) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Makes the file durable and visible under its final name.
    ///
    /// - Parameter durably: false for a file inside a staging folder that is itself synced
    ///   once (`FileSystem.syncAll(containing:)`) and then renamed into place: a report may
    ///   hold thousands of files, and two fsyncs each would make opening it take minutes.
    public func commit(durably: Bool = true) throws {
        guard memory == nil else { throw FileError(description: "\(finalPath) is held in memory and cannot be committed") }
        try finishWrites()
        if durably { guard fsync(fd) == 0 else { throw FileError.posix("cannot sync", finalPath) } }
        close(fd)
        fd = -1
        guard rename(tempPath, finalPath) == 0 else { throw FileError.posix("cannot rename into", finalPath) }
        committed = true
        if durably { try FileSystem.syncDirectory(of: finalPath) }
    }

    /// Makes the file durable and visible under its final name, except for the fsync of its
    /// directory, which the caller owes: the relay syncs a directory once for all the renames
    /// that land in it together (its group commit).
    public func commitLeavingDirectorySync() throws {
        guard memory == nil else { throw FileError(description: "\(finalPath) is held in memory and cannot be committed") }
        try finishWrites()
        guard fsync(fd) == 0 else { throw FileError.posix("cannot sync", finalPath) }
        close(fd)
        fd = -1
        guard rename(tempPath, finalPath) == 0 else { throw FileError.posix("cannot rename into", finalPath) }
        committed = true
    }

    /// Writes a whole small file atomically.
    public static func write(_ bytes: some ContiguousBytes, to path: String, mode: mode_t = 0o644, replaceExisting: Bool = false) throws {
        let file = try AtomicFile(path: path, mode: mode, replaceExisting: replaceExisting)
        try file.write(bytes)
        try file.commit()
    }
}
