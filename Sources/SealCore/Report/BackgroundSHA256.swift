import Crypto
import Dispatch

/// SHA-256 computed on another core while the caller goes on reading, decrypting and
/// writing: hashing is the largest single cost of `seal open` and of measuring an
/// attachment, and the machine has more than one core.
///
/// At most `depth` blocks wait at a time, so memory stays bounded if hashing falls behind.
final class BackgroundSHA256: @unchecked Sendable {
    private let queue = DispatchQueue(label: "sealcore.sha256")
    private let slots: DispatchSemaphore
    // Touched only on `queue`.
    private var hash = SHA256()

    init(depth: Int = 16) { slots = DispatchSemaphore(value: depth) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        slots.wait()
        let copy = [UInt8](bytes)
        queue.async {
            self.hash.update(data: copy)
            self.slots.signal()
        }
    }

    /// Waits for every queued block, then returns the lowercase hex digest.
    func finalizeHex() -> String {
        queue.sync { Hex.encode(hash.finalize()) }
    }
}
