import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO
import SealAPI
import SealCore
import ServiceLifecycle

/// The spool in PostgreSQL (docs/ARCHITECTURE.md "Storage"), so that several
/// relay nodes serve one relay: envelope bytes in `bytea` chunks of at most 1 MiB,
/// delivery state per reviewer, mailboxes, receipts and the acknowledged-id record, each
/// row carrying its expiry day and no other time (`PostgresSchema`).
///
/// An upload still streams to a local partial file; once complete it is copied into the
/// database chunk by chunk inside one transaction, and the sender's 202 comes only after
/// COMMIT (`synchronous_commit = on` for every connection). One id at a time: commits and
/// acknowledgements of an id take a transaction-scoped advisory lock on it, across nodes.
///
/// When the database cannot be reached every operation fails within `leaseDeadline` with
/// `SpoolError.unavailable` (503 `storage_unavailable`); the client reconnects by itself
/// when the database returns, and the schema is brought up to date on first use.
final class PostgresSpool: EnvelopeStore, Service {
    static let chunkSize = 1 << 20
    /// How long an operation waits for a connection before answering 503.
    static let leaseDeadline: Duration = .seconds(5)
    /// How often a leased connection is checked for having closed under its work.
    static let closedCheckInterval: Duration = .milliseconds(500)

    let client: PostgresClient
    let quotas: Spool.Quotas
    let incomingDirectory: String
    let expiryDays: Int
    let expiryJitterDays: Int
    private let ledger: ReservationLedger
    private let schemaReady = NIOLockedValueBox(false)
    let logger: Logger

    init(location: StorageLocation.PostgresLocation, password: String, quotas: Spool.Quotas, incomingDirectory: String,
         expiryDays: Int, expiryJitterDays: Int, logger: Logger) {
        var configuration: PostgresClient.Configuration
        if let socket = location.socketPath {
            configuration = .init(unixSocketPath: socket, username: location.user, password: password, database: location.database)
        } else {
            // Off the machine, TLS is required; on loopback it would protect nothing.
            let host = location.host ?? "localhost"
            let loopback = LoopbackHost.contains(host) || host == "localhost"
            configuration = .init(host: host, port: location.port, username: location.user, password: password,
                                  database: location.database, tls: loopback ? .disable : .require(.makeClientConfiguration()))
        }
        configuration.options.additionalStartupParameters = [("synchronous_commit", "on")]
        configuration.options.connectTimeout = .seconds(3)
        self.client = PostgresClient(configuration: configuration)
        self.quotas = quotas
        self.incomingDirectory = incomingDirectory
        self.expiryDays = expiryDays
        self.expiryJitterDays = expiryJitterDays
        self.ledger = ReservationLedger(quotas: quotas)
        self.logger = logger
    }

    /// The password from `storage_password_file`: one line.
    static func password(from path: String) throws -> String {
        let bytes = try InputFile.readAll(path: path, limit: 4096)
        guard let password = String(validating: bytes, as: UTF8.self)?.trimmingCharacters(in: .newlines), !password.isEmpty,
              !password.contains("\n") else {
            throw ConfigError("\(path) must hold the database password on one line")
        }
        return password
    }

    /// A report's receipt as the file spool kept it (`sealrelayd migrate`).
    func keptReceipt(fromFile id: EnvelopeID, book: ReceiptBook, threadPool: NIOThreadPool) async -> SignedReceipt? {
        try? await threadPool.runIfActive { book.stored(id) }
    }

    /// The connection pool's background work; ends on graceful shutdown.
    func run() async throws {
        await client.run()
    }

    // MARK: connections

    /// Runs `work` on a connection, with the schema up to date. A database that cannot be
    /// reached (or fails mid-way) is `SpoolError.unavailable`: nothing was committed.
    func database<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await withLeaseDeadline { [self] connection in
                if !schemaReady.withLockedValue({ $0 }) {
                    try await PostgresSchema.migrate(connection, logger: logger)
                    schemaReady.withLockedValue { $0 = true }
                }
                return try await work(connection)
            }
        } catch let error as SpoolError {
            throw error
        } catch let error as UploadRefusal {
            throw error
        } catch let error as PostgresTransactionError where error.closureError is SpoolError || error.closureError is UploadRefusal {
            throw error.closureError ?? SpoolError.unavailable
        } catch {
            // PSQLError's description carries no query and no values.
            logger.warning("the database failed an operation", metadata: ["error": "\(error)"])
            throw SpoolError.unavailable
        }
    }

    /// `work` on a leased connection; `SpoolError.unavailable` if none comes within
    /// `leaseDeadline` (the pool itself would wait up to a minute while it reconnects).
    ///
    /// The lease runs in its own task, not a child: the pool does not give up a lease request
    /// when its task is cancelled, and a task group rethrowing the deadline would first wait
    /// for that child, up to the pool's minute, which left uploads unanswered while the
    /// database was down. A lease that comes after the deadline finds the request abandoned
    /// and runs nothing, so a sender who got 503 never has a commit behind it.
    ///
    /// Once leased, `work` has no deadline (a large envelope's copy may take long), but it is
    /// watched: postgres-nio 1.33 was seen to leave a query unanswered for good when the
    /// server was stopped just as it was sent, with the connection already closed (the cause
    /// of `databaseStopsUnderUploads`' unanswered uploads, docs/ARCHITECTURE.md "Storage").
    /// A connection found closed under `work` answers 503 at once, as a failed query would.
    private func withLeaseDeadline<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let lease = NIOLockedValueBox(LeaseState.waiting)
        let answer = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
        @Sendable func finish(_ result: Result<T, any Error>) {
            answer.withLockedValue { waiting in
                waiting?.resume(with: result)
                waiting = nil
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            answer.withLockedValue { $0 = continuation }
            let deadline = Task {
                try? await Task.sleep(for: Self.leaseDeadline)
                if lease.withLockedValue({ $0.abandonIfWaiting() }) { finish(.failure(SpoolError.unavailable)) }
            }
            Task { [client] in
                do {
                    try await client.withConnection { connection in
                        guard lease.withLockedValue({ $0.takeIfWaiting() }) else { throw SpoolError.unavailable }
                        deadline.cancel()
                        let watch = Task {
                            while !Task.isCancelled, !connection.isClosed { try? await Task.sleep(for: Self.closedCheckInterval) }
                            if !Task.isCancelled { finish(.failure(SpoolError.unavailable)) }
                        }
                        defer { watch.cancel() }
                        // Answered here, before the watch could see a connection that closes
                        // just after the work succeeded.
                        finish(.success(try await work(connection)))
                    }
                } catch {
                    deadline.cancel()
                    finish(.failure(error))
                }
            }
        }
    }

    /// Who won the race between a lease and its deadline; decided once, under a lock.
    private enum LeaseState: Sendable {
        case waiting, leased, abandoned

        mutating func takeIfWaiting() -> Bool {
            guard self == .waiting else { return false }
            self = .leased
            return true
        }

        mutating func abandonIfWaiting() -> Bool {
            guard self == .waiting else { return false }
            self = .abandoned
            return true
        }
    }

    static func today() -> Int { Spool.day(of: Date()) }

    // MARK: quotas

    func usage() async throws -> (count: Int, bytes: Int) {
        try await database { [logger] connection in
            var result = (count: 0, bytes: 0)
            let rows = try await connection.query("SELECT coalesce(sum(envelopes), 0)::bigint, coalesce(sum(bytes), 0)::bigint FROM usage",
                                                  logger: logger)
            for try await (count, bytes) in rows.decode((Int, Int).self) { result = (count, bytes) }
            return result
        }
    }

    func reserve() async throws -> Spool.Reservation {
        try await ledger.reserve(stored: usage())
    }

    func charge(_ reservation: Spool.Reservation, total: Int) async throws {
        try await ledger.charge(reservation, total: total)
    }

    func release(_ reservation: Spool.Reservation) async {
        await ledger.release(reservation)
    }

    // MARK: intake

    private enum Outcome: Sendable {
        case stored
        /// The same bytes were here already; the receipt kept with them, if any.
        case already(receipt: ByteBuffer?)
    }

    func accept(_ bytes: IncomingBytes, _ upload: CompletedUpload, reservation: Spool.Reservation,
                through intake: EnvelopeIntake) async throws -> SignedReceipt? {
        // The whole upload in its local partial file first (a small one is still in memory),
        // then copied into the database from there, one chunk at a time; a chunked upload's
        // bytes are in the database already and are copied there.
        // The partial file goes whatever happens (the caller's copy of `bytes` may not know it).
        var bytes = bytes
        do {
            try await intake.write(&bytes)
            let source: ChunkSource? = if let id = bytes.upload { .upload(id) } else { bytes.file.map { .file($0.path) } }
            let outcome = try await store(source, upload, through: intake)
            await intake.discard(bytes)
            await ledger.release(reservation)
            return outcome
        } catch {
            await intake.discard(bytes)
            throw error
        }
    }

    /// Where `accept` copies an envelope's bytes from.
    private enum ChunkSource: Sendable {
        /// A local partial file.
        case file(String)
        /// A chunked upload's rows (`PostgresUploads`), which go in the same transaction.
        case upload(UploadID)
    }

    /// `accept`'s transaction: the rows and the chunks from `source`, unless the same bytes
    /// are here already (or were delivered and acknowledged). A chunked upload's rows are
    /// deleted in it whatever the outcome; if they are gone, or hold other than `upload.size`
    /// bytes, another node completed or changed it and this throws `UploadRefusal.notFound`.
    private func store(_ source: ChunkSource?, _ upload: CompletedUpload, through intake: EnvelopeIntake) async throws -> SignedReceipt? {
        guard let source else { throw IntakeError.malformed("envelope is truncated inside its header") }
        let (id, delivery, threadPool, receipts) = (upload.id, upload.delivery, intake.threadPool, intake.receipts)
        let expiryDay = Self.today() + expiryDays + Int.random(in: 0...expiryJitterDays)
        let signed = try receipts.map { try SignedReceipt.sign(id, with: $0.key) }
        var keptReceipt: ByteBuffer?
        if case .report = delivery, let signed { keptReceipt = ByteBuffer(bytes: try signed.encoded()) }
        let blob = EnvelopeID.random().description
        let outcome: Outcome = try await database { [logger, keptReceipt] connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(id.description), 0))", logger: logger)
                if case .upload(let uploadID) = source {
                    let held = try await connection.query(
                        "SELECT 1 FROM uploads WHERE key = \(PostgresUploads.key(uploadID)) AND size = \(upload.size) FOR UPDATE", logger: logger)
                    var found = false
                    for try await _ in held.decode(Int.self) { found = true }
                    guard found else { throw UploadRefusal.notFound }
                }
                let outcome = try await Self.insertRows(blob: blob, upload, receipt: keptReceipt, expiryDay: expiryDay,
                                                        connection: connection, logger: logger)
                switch source {
                case .file(let path):
                    guard case .stored = outcome else { break }
                    try await Self.insertChunks(of: blob, from: path, size: upload.size, connection: connection,
                                                threadPool: threadPool, logger: logger)
                case .upload(let uploadID):
                    if case .stored = outcome {
                        try await connection.query("""
                            INSERT INTO chunks (blob, seq, data)
                            SELECT \(blob), seq, data FROM upload_chunks WHERE upload = \(PostgresUploads.key(uploadID))
                            """, logger: logger)
                    }
                    try await connection.query("DELETE FROM uploads WHERE key = \(PostgresUploads.key(uploadID))", logger: logger)
                }
                return outcome
            }
        }
        switch outcome {
        case .stored:
            return signed
        case .already(let kept):
            if let kept, let receipt = SignedReceipt.decode(kept.readableBytesView), receipt.receipt == id { return receipt }
            return signed
        }
    }

    /// The envelope's rows, unless the same bytes are here already (or were delivered and
    /// acknowledged); the caller adds its chunks after `.stored`.
    private static func insertRows(blob: String, _ upload: CompletedUpload, receipt keptReceipt: ByteBuffer?, expiryDay: Int,
                                   connection: PostgresConnection, logger: Logger) async throws -> Outcome {
        let (id, delivery) = (upload.id, upload.delivery)
        // One round trip each way: what is here already, then the envelope and its
        // recipients in one statement (none for a reply).
        switch delivery {
        case .report:
            let rows = try await connection.query("""
                SELECT receipt, true FROM envelopes WHERE id = \(id.description) AND mailbox IS NULL
                UNION ALL SELECT NULL, false FROM acknowledged WHERE id = \(id.description)
                """, logger: logger)
            for try await (receipt, queued) in rows.decode((ByteBuffer?, Bool).self) { return .already(receipt: queued ? receipt : nil) }
        case .reply(let mailbox):
            let rows = try await connection.query(
                "SELECT 1 FROM envelopes WHERE mailbox = \(mailbox.description) AND id = \(id.description)", logger: logger)
            for try await _ in rows.decode(Int.self) { return .already(receipt: nil) }
        }
        let mailbox: String? = if case .reply(let m) = delivery { m.description } else { nil }
        let kids = mailbox == nil ? upload.recipients.map(\.base64URL) : []
        try await connection.query("""
            WITH envelope AS (
                INSERT INTO envelopes (blob, id, mailbox, size, expiry_day, receipt)
                VALUES (\(blob), \(id.description), \(mailbox), \(upload.size), \(expiryDay), \(keptReceipt))
            )
            INSERT INTO recipients (blob, kid) SELECT \(blob), unnest(\(kids)::text[])
            """, logger: logger)
        return .stored
    }

    /// Copies `size` bytes of the file at `source` into `chunks` under `blob`, one MiB at a
    /// time: the file reads on `threadPool`, never more than one chunk in memory.
    private static func insertChunks(of blob: String, from source: String, size: Int, connection: PostgresConnection,
                                     threadPool: NIOThreadPool, logger: Logger) async throws {
        var seq = 0
        var copied = 0
        while copied < size {
            let want = min(chunkSize, size - copied)
            let chunk = try await threadPool.runIfActive { [copied] () throws -> ByteBuffer in
                let file = try InputFile(path: source)
                var buffer = ByteBufferAllocator().buffer(capacity: want)
                let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(want)), at: copied)
                }
                guard got == want else { throw SpoolError.io("the file is shorter than its envelope") }
                return buffer
            }
            try await connection.query("INSERT INTO chunks (blob, seq, data) VALUES (\(blob), \(seq), \(chunk))", logger: logger)
            seq += 1
            copied += want
        }
    }

    // MARK: moving a file spool in

    /// One envelope of a file spool, with its delivery state and kept receipt, in one
    /// transaction; false if the database has it already (a migration run again).
    func importEnvelope(_ held: Spool.Held, receipt: SignedReceipt?, threadPool: NIOThreadPool) async throws -> Bool {
        let source = held.path
        let blob = EnvelopeID.random().description
        let kept = try receipt.map { ByteBuffer(bytes: try $0.encoded()) }
        let mailbox = held.mailbox?.description
        return try await database { [logger] connection in
            try await connection.withTransaction(logger: logger) { connection in
                let inserted = try await connection.query("""
                    INSERT INTO envelopes (blob, id, mailbox, size, expiry_day, receipt)
                    VALUES (\(blob), \(held.id.description), \(mailbox), \(held.size), \(held.expiryDay), \(kept))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger)
                var new = false
                for try await _ in inserted.decode(Int.self) { new = true }
                guard new else { return false }
                for kid in held.recipients {
                    let done = held.acknowledged.contains(kid)
                    try await connection.query("""
                        INSERT INTO recipients (blob, kid, acknowledged) VALUES (\(blob), \(kid.base64URL), \(done))
                        """, logger: logger)
                }
                try await Self.insertChunks(of: blob, from: source, size: held.size, connection: connection,
                                            threadPool: threadPool, logger: logger)
                return true
            }
        }
    }

    func importAcknowledged(_ id: EnvelopeID, day: Int) async throws {
        try await database { [logger] connection in
            _ = try await connection.query("""
                INSERT INTO acknowledged (id, expiry_day) VALUES (\(id.description), \(day)) ON CONFLICT (id) DO NOTHING
                """, logger: logger)
        }
    }

    // MARK: reviewers

    func inbox(for kids: Set<KeyID>) async throws -> [(id: EnvelopeID, size: Int)] {
        let kids = kids.map(\.base64URL)
        return try await database { [logger] connection in
            try await Self.listing(connection.query("""
                SELECT e.id, e.size FROM envelopes e WHERE e.mailbox IS NULL AND EXISTS (
                    SELECT 1 FROM recipients r WHERE r.blob = e.blob AND r.kid = ANY(\(kids)) AND NOT r.acknowledged)
                """, logger: logger))
        }
    }

    func report(_ id: EnvelopeID, for kids: Set<KeyID>) async throws -> StoredEnvelope? {
        let kids = kids.map(\.base64URL)
        return try await database { [logger] connection in
            let rows = try await connection.query("""
                SELECT e.blob, e.size FROM envelopes e WHERE e.mailbox IS NULL AND e.id = \(id.description) AND EXISTS (
                    SELECT 1 FROM recipients r WHERE r.blob = e.blob AND r.kid = ANY(\(kids)) AND NOT r.acknowledged)
                """, logger: logger)
            for try await (blob, size) in rows.decode((String, Int).self) { return .chunks(self, blob: blob, size: size) }
            return nil
        }
    }

    func keptReceipt(_ id: EnvelopeID, book: ReceiptBook, threadPool: NIOThreadPool) async -> SignedReceipt? {
        try? await database { [logger] connection in
            let rows = try await connection.query(
                "SELECT receipt FROM envelopes WHERE id = \(id.description) AND mailbox IS NULL", logger: logger)
            for try await kept in rows.decode(ByteBuffer?.self) {
                if let kept, let receipt = SignedReceipt.decode(kept.readableBytesView), receipt.receipt == id { return receipt }
            }
            return nil
        }
    }

    func acknowledge(_ id: EnvelopeID, by kids: Set<KeyID>) async throws -> Bool {
        let kids = kids.map(\.base64URL)
        return try await database { [logger] connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(id.description), 0))", logger: logger)
                var found: (blob: String, expiryDay: Int)?
                let rows = try await connection.query(
                    "SELECT blob, expiry_day FROM envelopes WHERE id = \(id.description) AND mailbox IS NULL FOR UPDATE", logger: logger)
                for try await (blob, day) in rows.decode((String, Int).self) { found = (blob, day) }
                guard let found else { return false }
                let marked = try await connection.query("""
                    UPDATE recipients SET acknowledged = true
                    WHERE blob = \(found.blob) AND kid = ANY(\(kids)) AND NOT acknowledged RETURNING kid
                    """, logger: logger)
                var any = false
                for try await _ in marked.decode(String.self) { any = true }
                guard any else { return false }
                var waiting = 0
                let left = try await connection.query(
                    "SELECT count(*) FROM recipients WHERE blob = \(found.blob) AND NOT acknowledged", logger: logger)
                for try await count in left.decode(Int.self) { waiting = count }
                if waiting == 0 {
                    try await connection.query("DELETE FROM envelopes WHERE blob = \(found.blob)", logger: logger)
                    try await connection.query("""
                        INSERT INTO acknowledged (id, expiry_day) VALUES (\(id.description), \(found.expiryDay))
                        ON CONFLICT (id) DO NOTHING
                        """, logger: logger)
                }
                return true
            }
        }
    }

    // MARK: sources

    func replies(in mailbox: MailboxID) async throws -> [(id: EnvelopeID, size: Int)] {
        try await database { [logger] connection in
            try await Self.listing(connection.query(
                "SELECT id, size FROM envelopes WHERE mailbox = \(mailbox.description)", logger: logger))
        }
    }

    func reply(_ id: EnvelopeID, in mailbox: MailboxID) async throws -> StoredEnvelope? {
        try await database { [logger] connection in
            let rows = try await connection.query(
                "SELECT blob, size FROM envelopes WHERE mailbox = \(mailbox.description) AND id = \(id.description)", logger: logger)
            for try await (blob, size) in rows.decode((String, Int).self) { return .chunks(self, blob: blob, size: size) }
            return nil
        }
    }

    /// One chunk of a stored envelope; nil if it went meanwhile (acknowledged or expired).
    func chunk(blob: String, seq: Int) async throws -> ByteBuffer? {
        try await database { [logger] connection in
            let rows = try await connection.query("SELECT data FROM chunks WHERE blob = \(blob) AND seq = \(seq)", logger: logger)
            for try await data in rows.decode(ByteBuffer.self) { return data }
            return nil
        }
    }

    // MARK: expiry

    func expire(now: Date) async throws -> Int {
        let today = Spool.day(of: now)
        return try await database { [logger] connection in
            try await connection.query("DELETE FROM acknowledged WHERE expiry_day < \(today)", logger: logger)
            // A day late: a node whose clock is behind may still take a challenge or nonce
            // of yesterday's, and must find it.
            for table in PostgresUsedOnce.Table.allCases {
                try await connection.query("DELETE FROM \(unescaped: table.rawValue) WHERE expiry_day < \(today - 1)", logger: logger)
            }
            // Uploads whose nodes all forgot them (each node deletes the ones it ends itself):
            // none gained a byte yesterday or today.
            try await connection.query("DELETE FROM uploads WHERE expiry_day < \(today - 1)", logger: logger)
            var removed = 0
            let rows = try await connection.query("DELETE FROM envelopes WHERE expiry_day <= \(today) RETURNING 1", logger: logger)
            for try await _ in rows.decode(Int.self) { removed += 1 }
            return removed
        }
    }

    /// An (id, size) listing in random order: rows come in storage order, which follows arrival.
    private static func listing(_ rows: PostgresRowSequence) async throws -> [(id: EnvelopeID, size: Int)] {
        var list: [(id: EnvelopeID, size: Int)] = []
        for try await (id, size) in rows.decode((String, Int).self) {
            if let id = EnvelopeID(id) { list.append((id, size)) }
        }
        return list.shuffled()
    }
}
