import Crypto
import Dispatch

/// SHA-256 computed on another core while the caller goes on reading, decrypting and
/// writing: hashing is the largest single cost of `seal open` and of measuring an
/// attachment, and the machine has more than one core.
///
/// Bytes are handed over in 1 MiB batches (fewer thread wake-ups than one per chunk), and
/// at most `depth` batches wait at a time, so memory stays bounded if hashing falls behind.
final class BackgroundSHA256: @unchecked Sendable {
    private static let batchSize = 1 << 20
    private let queue = DispatchQueue(label: "sealcore.sha256")
    private let slots: DispatchSemaphore
    private var pending: [UInt8] = []
    // Touched only on `queue`.
    private var hash = SHA256()

    init(depth: Int = 4) {
        slots = DispatchSemaphore(value: depth)
        pending.reserveCapacity(Self.batchSize)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.batchSize { flush() }
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        slots.wait()
        let batch = pending
        pending = []
        pending.reserveCapacity(Self.batchSize)
        queue.async {
            self.hash.update(data: batch)
            self.slots.signal()
        }
    }

    /// Waits for every queued batch, then returns the digest.
    func finalize() -> SHA256.Digest {
        flush()
        return queue.sync { hash.finalize() }
    }

    /// The digest as lowercase hex.
    func finalizeHex() -> String { Hex.encode(finalize()) }
}
