import CFileSync
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A large output's bytes, written by another thread while the caller goes on sealing or
/// opening. Without it the caller stops at every write(2), and the one fsync of
/// `AtomicFile.commit()` waits for the whole file to reach the disk; with it, copying into
/// the page cache overlaps the crypto, and the kernel is asked to start writing every few
/// megabytes to disk as soon as they are in, so that fsync waits only for the last of them.
/// Durability is unchanged: nothing is published before that fsync.
///
/// Bytes gather into 1 MiB batches (one system call each, not two per 64 KiB chunk); at
/// most `depth` batches wait, so memory stays bounded when the disk is slower than the
/// caller. A failed write is kept, and thrown by the next call and by `finish()`.
final class WriteBehind: @unchecked Sendable {
    static let batchSize = 1 << 20
    /// Written bytes that make the kernel start writeback (sync_file_range(2)).
    private static let writebackEvery = 8 << 20

    private let fd: Int32
    private let path: String
    private let queue = DispatchQueue(label: "sealcore.write-behind")
    private let slots: DispatchSemaphore
    private let failure = Mutex<FileError?>(nil)
    // The caller's alone.
    private var batch: [UInt8] = []
    private var batchOffset = 0
    // Touched only on `queue`: where the bytes written since the last writeback start, and
    // how many there are.
    private var dirtyFrom = Int.max
    private var dirtyCount = 0

    /// - Parameter fd: stays open, and is written only from here, until `finish()` returns.
    init(fd: Int32, path: String, depth: Int = 2) {
        self.fd = fd
        self.path = path
        slots = DispatchSemaphore(value: depth)
        batch.reserveCapacity(Self.batchSize)
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        if offset != batchOffset + batch.count {
            try flush()
            batchOffset = offset
        }
        batch.append(contentsOf: bytes)
        if batch.count >= Self.batchSize { try flush() }
    }

    /// Drops what is gathered and waits for the batches already handed over: the file is
    /// being thrown away, and its descriptor may be closed once this returns.
    func abandon() {
        batch = []
        queue.sync {}
    }

    /// Waits for every batch to be written; throws the first failure.
    func finish() throws {
        try flush()
        queue.sync {}
        try failure.withLock { if let error = $0 { throw error } }
    }

    private func flush() throws {
        guard !batch.isEmpty else { return }
        try failure.withLock { if let error = $0 { throw error } }
        slots.wait()
        let bytes = batch
        let offset = batchOffset
        batch = []
        batch.reserveCapacity(Self.batchSize)
        batchOffset = offset + bytes.count
        queue.async {
            self.put(bytes, at: offset)
            self.slots.signal()
        }
    }

    private func put(_ bytes: [UInt8], at offset: Int) {
        guard failure.withLock({ $0 == nil }) else { return }
        do {
            let done = try bytes.withUnsafeBytes { b -> Int in
                guard let base = b.baseAddress else { return 0 }
                return try FileSystem.transferAll(count: b.count, "cannot write", path) { done in
                    pwrite(fd, base + done, b.count - done, off_t(offset + done))
                }
            }
            guard done == bytes.count else { throw FileError(description: "cannot write \(path): the disk took no more bytes") }
        } catch {
            failure.withLock { $0 = error as? FileError ?? FileError(description: "cannot write \(path): \(error)") }
            return
        }
        dirtyFrom = min(dirtyFrom, offset)
        dirtyCount += bytes.count
        if dirtyCount >= Self.writebackEvery {
            // Only a hint to start now what fsync would start later: a failure here is
            // reported by that fsync.
            _ = cfilesync_start_writeback(fd, dirtyFrom, 0)
            dirtyFrom = .max
            dirtyCount = 0
        }
    }
}
