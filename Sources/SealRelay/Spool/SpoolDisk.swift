import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// The two blocking calls an upload makes on the spool's disk. It exists so that tests can
/// make the disk slow or failing, never as a setting: the relay always uses `standard`.
struct SpoolDisk: Sendable {
    /// write(2) of part of a buffer; returns what write(2) returns, with errno set.
    var write: @Sendable (_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int
    /// fsync of a directory, so that the renames into it survive a power cut.
    var syncDirectory: @Sendable (String) throws -> Void

    static let standard = SpoolDisk(
        write: { fd, bytes in Glibc.write(fd, bytes.baseAddress, bytes.count) },
        syncDirectory: { try FileSystem.syncDirectory($0) })
}
