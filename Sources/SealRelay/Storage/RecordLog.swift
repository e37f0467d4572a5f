import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// An append-only file of fixed-size records, each made durable (fsync) before `append`
/// returns, and rewritten whole (`replace`) to drop what is no longer needed. Its times are
/// reset to the epoch after every change, so the file never says when a record came.
struct RecordLog: Sendable {
    let path: String
    let recordSize: Int

    /// Every whole record in the file; none if it does not exist.
    func load(limit: Int = 64 << 20) -> [ArraySlice<UInt8>] {
        guard let bytes = try? InputFile.readAll(path: path, limit: limit) else { return [] }
        return stride(from: 0, through: bytes.count - recordSize, by: recordSize).map { bytes[$0..<$0 + recordSize] }
    }

    func append(_ record: [UInt8]) throws {
        precondition(record.count == recordSize, "a record has a fixed size")
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.io("cannot open \(URL(fileURLWithPath: path).lastPathComponent)") }
        defer {
            FileTimes.normalise(descriptor: fd)
            close(fd)
        }
        let written = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == record.count, fsync(fd) == 0 else {
            throw SpoolError.io("cannot write \(URL(fileURLWithPath: path).lastPathComponent)")
        }
    }

    /// Replaces the file with exactly `records`, atomically and durably.
    func replace(with records: [[UInt8]]) throws {
        try AtomicFile.write(records.flatMap { $0 }, to: path, mode: 0o600, replaceExisting: true)
        FileTimes.set(path, to: Date(timeIntervalSince1970: 0))
        FileTimes.normaliseDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }
}
