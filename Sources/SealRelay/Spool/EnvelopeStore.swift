import Foundation
import NIOPosix
import SealCore

/// The spool protocol (docs/ARCHITECTURE.md "Storage"): everything the intake,
/// the controllers and the sweepers ask of the place accepted envelopes live. `Spool` keeps
/// them in files (the default); `PostgresSpool` in a PostgreSQL database several relay
/// nodes share. Both stream uploads into a local partial file first, so a body never sits
/// in memory, and both answer 202 only once the envelope is durable.
protocol EnvelopeStore: Sendable {
    var quotas: Spool.Quotas { get }
    /// Where uploads stream to before they are complete: a local directory in every backend.
    var incomingDirectory: String { get }

    /// Claims room for one more envelope, or refuses with `SpoolError.full`.
    func reserve() async throws -> Spool.Reservation
    /// Accounts for `total` bytes received so far on an upload.
    func charge(_ reservation: Spool.Reservation, total: Int) async throws
    func release(_ reservation: Spool.Reservation) async

    /// Makes a complete, validated upload durable under its content id and releases its
    /// reservation. The same bytes again (queued, or delivered and acknowledged) are not
    /// stored twice and get the receipt they got before. Throws without storing anything.
    func accept(_ bytes: IncomingBytes, _ upload: CompletedUpload, reservation: Spool.Reservation,
                through intake: EnvelopeIntake) async throws -> SignedReceipt?

    /// How many envelopes and bytes are stored, for the quotas, the price of proof of work and `/metrics`.
    func usage() async throws -> (count: Int, bytes: Int)

    /// The envelopes addressed to any of `kids` that these kids have not all acknowledged,
    /// in random order.
    func inbox(for kids: Set<KeyID>) async throws -> [(id: EnvelopeID, size: Int)]
    func report(_ id: EnvelopeID, for kids: Set<KeyID>) async throws -> StoredEnvelope?
    /// The signed receipt kept with a queued report, if any.
    func keptReceipt(_ id: EnvelopeID, book: ReceiptBook, threadPool: NIOThreadPool) async -> SignedReceipt?
    /// Records that `kids` will not be sent `id` again; false if it was not in their inbox.
    func acknowledge(_ id: EnvelopeID, by kids: Set<KeyID>) async throws -> Bool

    /// A mailbox's replies in random order; an unknown mailbox is simply empty.
    func replies(in mailbox: MailboxID) async throws -> [(id: EnvelopeID, size: Int)]
    func reply(_ id: EnvelopeID, in mailbox: MailboxID) async throws -> StoredEnvelope?

    /// Deletes everything whose expiry day has passed by `now` (the sweeper's is the clock's;
    /// a test's may be weeks ahead); returns how many envelopes went.
    func expire(now: Date) async throws -> Int
}

/// A validated upload, as the intake hands it to the store.
struct CompletedUpload: Sendable {
    let id: EnvelopeID
    let delivery: Delivery
    let recipients: Set<KeyID>
    let size: Int
}

/// Where a stored envelope's bytes are read from for a download.
enum StoredEnvelope: Sendable {
    case file(path: String)
    /// In `size` bytes of 1 MiB chunks in the database, read one chunk at a time.
    case chunks(PostgresSpool, blob: String, size: Int)
}
