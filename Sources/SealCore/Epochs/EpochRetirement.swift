import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Retires months of an epochs.seckey file in the one order that never leaves a half file
/// under its name and still destroys what it can (docs/FORMAT.md, "Retiring epochs"):
/// open the old file and keep its descriptor; write and fsync the new file beside it;
/// rename it over the old name; then overwrite the old bytes through the descriptor,
/// fsync and close. A crash before the rename leaves the old file; after it, the new one.
public enum EpochRetirement {
    public struct Outcome: Sendable {
        public let retired: [EpochSecretFile.Retired]
        public let kept: [EpochMonth]
    }

    public static func retire(path: String, before month: EpochMonth) throws -> Outcome {
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw FileError.posix("cannot open", path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError.posix("cannot read", path) }
        let size = Int(info.st_size)
        guard size > 0 else { throw EpochError.malformed("\(path) is empty") }
        guard size <= EpochSecretFile.maxFileSize else { throw EpochError.malformed("\(path) is larger than any epochs file") }
        var old = [UInt8](repeating: 0, count: size)
        let got = try old.withUnsafeMutableBytes { buf in
            try FileSystem.transferAll(count: size, "cannot read", path) { done in
                pread(fd, buf.baseAddress! + done, size - done, off_t(done))
            }
        }
        guard got == size else { throw FileError(description: "\(path) changed while it was read") }
        let (file, gone) = try EpochSecretFile(bytes: old).retiring(before: month)
        Sodium.wipe(&old)
        let outcome = Outcome(retired: gone, kept: file.epochs.map(\.epoch))
        guard !gone.isEmpty else { return outcome }

        var bytes = try file.encoded()
        defer { Sodium.wipe(&bytes) }
        try AtomicFile.write(bytes, to: path, mode: mode_t(info.st_mode & 0o777), replaceExisting: true)

        // The name now holds the new file; the old inode lives on through `fd` alone.
        let zeros = [UInt8](repeating: 0, count: size)
        let wrote = try zeros.withUnsafeBytes { buf in
            try FileSystem.transferAll(count: size, "cannot overwrite the old copy of", path) { done in
                pwrite(fd, buf.baseAddress! + done, size - done, off_t(done))
            }
        }
        guard wrote == size, fsync(fd) == 0 else {
            throw FileError.posix("the new file is in place, but the old copy could not be overwritten in", path)
        }
        return outcome
    }
}
