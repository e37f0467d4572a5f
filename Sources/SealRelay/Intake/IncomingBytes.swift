import NIOCore
import SealAPI

/// An upload's bytes on their way to its partial file. They gather in memory and reach the
/// disk in batches on the commit thread pool, never on the threads that serve connections,
/// so a slow disk delays only the uploads waiting for it. A report no larger than one batch
/// reaches the disk once, at its commit, in the same thread-pool hop as its fsync; its file
/// is made only then.
struct IncomingBytes: Sendable {
    /// Bytes held per upload before they are written: bounded memory per connection.
    static let batchBytes = 64 << 10

    /// The partial file, once a batch has been written.
    var file: PartialFile?
    /// Checked bytes not yet written.
    var pending = ByteBuffer()
    /// A chunked upload whose bytes are in the database (`PostgresUploads`), not in a file:
    /// the store copies them from there when it is complete.
    var upload: UploadID?

    var batchIsFull: Bool { pending.readableBytes >= Self.batchBytes }

    /// Takes the pending bytes out, for a write on the thread pool.
    mutating func takePending() -> ByteBuffer {
        defer { pending = ByteBuffer() }
        return pending
    }
}
