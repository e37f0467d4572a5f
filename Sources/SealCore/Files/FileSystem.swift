import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Makes everything written on the file system that holds `path` durable, in one call:
    /// a staging folder of thousands of files is synced once before it is renamed into
    /// place, not file by file.
    public static func syncAll(containing path: String) throws {
        let dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw FileError.posix("cannot open directory", path) }
        defer { close(dfd) }
        guard let syncfs = syncFileSystem else {
            sync()
            return
        }
        guard syncfs(dfd) == 0 else { throw FileError.posix("cannot sync the file system of", path) }
    }

    /// Linux's syncfs(2), looked up at run time: Swift's Glibc module leaves out the GNU
    /// extensions that declare it. Nil where the C library lacks it; `sync()` stands in.
    private static let syncFileSystem: (@convention(c) (Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    }()

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

    /// Runs a read or write system call until `count` bytes are done or it reports the end
    /// of the file (0), retrying when a signal interrupts it: one short transfer must never
    /// look like the end of a stream. `call` gets the bytes done so far and returns what the
    /// system call did. Returns the bytes done (fewer than `count` only at end of file).
    static func transferAll(count: Int, _ what: String, _ path: String, _ call: (_ done: Int) -> Int) throws -> Int {
        var done = 0
        while done < count {
            let n = call(done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.posix(what, path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}
