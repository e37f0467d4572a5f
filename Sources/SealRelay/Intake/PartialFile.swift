import CoreFoundation
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// An upload's bytes on their way to disk, under a random name in `incoming/`, which
/// start-up empties: a file there was never acknowledged to anyone.
///
/// Every change it makes to `incoming/` (create, unlink, rename away) resets the
/// directory's times too, so the directory never records when an upload came or failed.
final class PartialFile: @unchecked Sendable {
    private let fd: Int32
    let path: String
    let directory: String
    private let disk: SpoolDisk
    private var done = false

    /// Blocking, like every method here: run it on a thread pool.
    init(directory: String, disk: SpoolDisk) throws {
        self.directory = directory
        self.disk = disk
        path = "\(directory)/\(Base64URL.encode(SecureBytes.random(count: 12).withUnsafeBytes { Array($0) })).partial"
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        FileTimes.normaliseDirectory(directory)
        guard fd >= 0 else { throw SpoolError.io("cannot create a file") }
        normaliseTimes()
    }

    deinit {
        close(fd)
        discard()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = disk.write(fd, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if n < 0 {
                if errno == EINTR { continue }
                throw errno == ENOSPC || errno == EDQUOT ? SpoolError.full : SpoolError.io("write failed")
            }
            offset += n
        }
    }

    /// Sets both times to the epoch: a chunked upload's file waits between requests, and
    /// its times must not record when the last slice came.
    func normaliseTimes() {
        var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: 0)]
        _ = futimens(fd, &times)
    }

    /// fsync, normalise times, rename into place, fsync the directory (shared with the
    /// commits that finish at the same time).
    ///
    /// The outcome is exact: when this returns, the envelope is durable under `final`;
    /// when it throws, `final` does not exist (the rename is undone if the directory fsync
    /// fails), so an envelope whose sender got an error is never delivered.
    func commit(to final: String, times: Date, group: GroupCommit) throws {
        guard fsync(fd) == 0 else { throw errno == ENOSPC ? SpoolError.full : SpoolError.io("fsync failed") }
        FileTimes.set(path, to: times)
        guard rename(path, final) == 0 else { throw SpoolError.io("rename failed") }
        done = true
        let dir = URL(fileURLWithPath: final).deletingLastPathComponent().path
        FileTimes.normaliseDirectory(dir)
        FileTimes.normaliseDirectory(directory)
        do {
            try group.sync(dir)
        } catch {
            unlink(final)
            FileTimes.normaliseDirectory(dir)
            try? disk.syncDirectory(dir)
            throw SpoolError.io("directory fsync failed")
        }
    }

    func discard() {
        guard !done else { return }
        done = true
        unlink(path)
        FileTimes.normaliseDirectory(directory)
    }
}
