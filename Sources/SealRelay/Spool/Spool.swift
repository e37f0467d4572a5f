import CoreFoundation
import Foundation
import NIOCore
import NIOPosix
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// The durable queue of ciphertext (docs/ARCHITECTURE.md): one `ID.seal` file per envelope, plus an
/// `ID.acks` file listing the reviewers' kids that acknowledged it. Nothing about senders
/// is stored; the only time kept is the expiry day, as the file's modification time.
///
/// The actor owns the in-memory index and the quotas; the slow, blocking work happens
/// outside it: streaming and the commit's fsyncs in `EnvelopeIntake`, registered here when
/// durable, and the unlinks, acknowledgement files and their fsyncs on `maintenance`, so a
/// slow disk never holds the actor (and with it every upload) or Swift's shared threads.
public actor Spool {
    public struct Quotas: Sendable {
        public var maxEnvelopeBytes: Int
        public var maxSpoolBytes: Int
        public var maxEnvelopes: Int

        public init(maxEnvelopeBytes: Int, maxSpoolBytes: Int, maxEnvelopes: Int) {
            self.maxEnvelopeBytes = maxEnvelopeBytes
            self.maxSpoolBytes = maxSpoolBytes
            self.maxEnvelopes = maxEnvelopes
        }
    }

    struct Entry {
        let recipients: Set<KeyID>
        var acknowledged: Set<KeyID>
        let size: Int
        let expiry: Date
    }

    /// An upload in progress: its share of the quotas until it is registered or released.
    struct Reservation: Hashable {
        let number: Int
    }

    nonisolated let incomingDirectory: String
    nonisolated let envelopeDirectory: String
    nonisolated let replyDirectory: String
    nonisolated let quotas: Quotas
    nonisolated let expiryDays: Int
    nonisolated let expiryJitterDays: Int
    private var entries: [EnvelopeID: Entry] = [:]
    /// Replies by mailbox; each reply's size and expiry.
    private var mailboxes: [MailboxID: [EnvelopeID: (size: Int, expiry: Date)]] = [:]
    /// Envelopes every addressed reviewer acknowledged, until their expiry day: the same
    /// bytes posted again are answered 202 and not queued again (docs/API.md).
    private var acknowledged: [EnvelopeID: Int] = [:]
    /// The record of `acknowledged`: 16-byte id and 4-byte expiry day, no other time.
    nonisolated let acknowledgedLog: RecordLog
    /// Ids a commit or an acknowledgement is working on, and who waits for each.
    private var busy: Set<EnvelopeID> = []
    private var waiting: [EnvelopeID: [CheckedContinuation<Void, Never>]] = [:]
    private var reservations: [Reservation: Int] = [:]
    private var nextReservation = 0
    private var storedBytes = 0

    /// One thread for the spool's own file work: requests queue on it in the order the
    /// actor made them, so the acknowledged-id record is appended and rewritten in order.
    static let maintenance: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()
    /// fsync of a directory; a seam so tests can make the disk slow, never a setting.
    nonisolated let syncDirectory: @Sendable (String) throws -> Void

    public init(directory: String, quotas: Quotas, expiryDays: Int, expiryJitterDays: Int,
                syncDirectory: @escaping @Sendable (String) throws -> Void = { try FileSystem.syncDirectory($0) }) throws {
        self.syncDirectory = syncDirectory
        self.incomingDirectory = "\(directory)/incoming"
        self.envelopeDirectory = "\(directory)/envelopes"
        self.replyDirectory = "\(directory)/replies"
        self.acknowledgedLog = RecordLog(path: "\(directory)/acknowledged", recordSize: 20)
        self.quotas = quotas
        self.expiryDays = expiryDays
        self.expiryJitterDays = expiryJitterDays
        try FileSystem.makePrivateDirectory(incomingDirectory)
        try FileSystem.makePrivateDirectory(envelopeDirectory)
        try FileSystem.makePrivateDirectory(replyDirectory)
        // Start-up: an upload that was cut off (crash, kill -9, power loss) never got its
        // 202, so its partial bytes go; everything renamed into place was acknowledged.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: incomingDirectory)) ?? [] {
            unlink("\(incomingDirectory)/\(name)")
        }
        // Whatever the directories' times say (made now, or changed by the last run), they
        // say nothing from here on.
        [directory, incomingDirectory, envelopeDirectory, replyDirectory].forEach(FileTimes.normaliseDirectory)
        var loaded: [EnvelopeID: Entry] = [:]
        var bytes = 0
        let names = (try? FileManager.default.contentsOfDirectory(atPath: envelopeDirectory)) ?? []
        for name in names where name.hasSuffix(".seal") {
            let path = "\(envelopeDirectory)/\(name)"
            guard let id = EnvelopeID(String(name.dropLast(5))), let entry = Self.loadEntry(path: path) else {
                // Not something this relay wrote: keep it out of every inbox, but do not
                // delete what an operator may want to inspect.
                continue
            }
            loaded[id] = entry
            bytes += entry.size
        }
        // A receipt is written just before its envelope: one without it is from a commit
        // that never finished.
        for name in names where name.hasSuffix(".receipt") {
            if let id = EnvelopeID(String(name.dropLast(8))), loaded[id] != nil { continue }
            unlink("\(envelopeDirectory)/\(name)")
        }
        for name in names where name.hasSuffix(".acks") {
            if let id = EnvelopeID(String(name.dropLast(5))), var entry = loaded[id] {
                entry.acknowledged = Self.loadAcks("\(envelopeDirectory)/\(name)")
                loaded[id] = entry
            } else {
                unlink("\(envelopeDirectory)/\(name)")
            }
        }
        var replies: [MailboxID: [EnvelopeID: (size: Int, expiry: Date)]] = [:]
        for box in (try? FileManager.default.contentsOfDirectory(atPath: replyDirectory)) ?? [] {
            guard let mailbox = MailboxID(box) else { continue }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(replyDirectory)/\(box)")) ?? [] {
                let path = "\(replyDirectory)/\(box)/\(name)"
                guard name.hasSuffix(".seal"), let id = EnvelopeID(String(name.dropLast(5))),
                      let entry = Self.loadEntry(path: path) else { continue }
                replies[mailbox, default: [:]][id] = (entry.size, entry.expiry)
                bytes += entry.size
            }
        }
        let today = Self.day(of: Date())
        for record in acknowledgedLog.load() {
            let day = record.suffix(4).reduce(0) { $0 << 8 | Int($1) }
            guard day >= today, let id = EnvelopeID(Base64URL.encode(Array(record.prefix(16)))) else { continue }
            acknowledged[id] = day
            loaded[id] = nil
        }
        self.entries = loaded
        self.mailboxes = replies
        self.storedBytes = bytes
    }

    private static func loadEntry(path: String) -> Entry? {
        guard let file = try? InputFile(path: path), let head = try? EnvelopeHead.read(from: file),
              let size = try? file.size() else { return nil }
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Entry(recipients: Set(head.header.kids), acknowledged: [], size: size,
                     expiry: Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec)))
    }

    private static func loadAcks(_ path: String) -> Set<KeyID> {
        guard let bytes = try? InputFile.readAll(path: path, limit: 1 << 16),
              let list = try? JSONDecoder().decode([String].self, from: Data(bytes)) else { return [] }
        return Set(list.compactMap(KeyID.init(base64URL:)))
    }

    static func day(of date: Date) -> Int { Int(floor(date.timeIntervalSince1970 / 86400)) }

    /// One record of `acknowledgedLog`: the id's 16 bytes, then its expiry day (big-endian).
    static func acknowledgedRecord(_ id: EnvelopeID, day: Int) -> [UInt8] {
        id.bytes + (0..<4).reversed().map { UInt8(truncatingIfNeeded: day >> ($0 * 8)) }
    }

    // MARK: one id at a time

    /// Waits until no commit or acknowledgement works on `id`, then claims it: a
    /// duplicate upload racing an acknowledgement can then neither leave an entry without
    /// a file nor bring back what was acknowledged.
    func claim(_ id: EnvelopeID) async {
        while busy.contains(id) {
            await withCheckedContinuation { waiting[id, default: []].append($0) }
        }
        busy.insert(id)
    }

    func unclaim(_ id: EnvelopeID) {
        busy.remove(id)
        waiting.removeValue(forKey: id)?.forEach { $0.resume() }
    }

    /// Whether an upload of `id` needs no new file: the same bytes are queued already, or
    /// were delivered and acknowledged (a replay, answered 202 and not queued again).
    func alreadyHas(_ id: EnvelopeID, delivery: Delivery) -> Bool {
        switch delivery {
        case .report: return entries[id] != nil || acknowledged[id] != nil
        case .reply(let mailbox): return mailboxes[mailbox]?[id] != nil
        }
    }

    // MARK: intake

    public var count: Int { entries.count + mailboxes.values.reduce(0) { $0 + $1.count } }
    public var bytes: Int { storedBytes }

    /// Claims room for one more envelope, or refuses with `.full`.
    func reserve() throws -> Reservation {
        guard count + reservations.count < quotas.maxEnvelopes,
              storedBytes + reservations.values.reduce(0, +) < quotas.maxSpoolBytes
        else { throw SpoolError.full }
        nextReservation += 1
        let r = Reservation(number: nextReservation)
        reservations[r] = 0
        return r
    }

    /// Accounts for `total` bytes received so far on an upload.
    func charge(_ r: Reservation, total: Int) throws {
        guard total <= quotas.maxEnvelopeBytes else { throw SpoolError.tooLarge(quotas.maxEnvelopeBytes) }
        let others = reservations.filter { $0.key != r }.values.reduce(0, +)
        guard storedBytes + others + total <= quotas.maxSpoolBytes else { throw SpoolError.full }
        reservations[r] = total
    }

    func release(_ r: Reservation) {
        reservations[r] = nil
    }

    /// The day, with jitter, on which an envelope arriving today is deleted unread.
    nonisolated func expiryDate(now: Date = Date()) -> Date {
        let today = floor(now.timeIntervalSince1970 / 86400) * 86400
        let days = expiryDays + Int.random(in: 0...expiryJitterDays)
        return Date(timeIntervalSince1970: today + Double(days) * 86400)
    }

    /// Where an accepted envelope goes. A reply's mailbox folder is made on demand.
    nonisolated func path(for id: EnvelopeID, delivery: Delivery) throws -> String {
        switch delivery {
        case .report:
            return "\(envelopeDirectory)/\(id.fileName)"
        case .reply(let mailbox):
            let folder = "\(replyDirectory)/\(mailbox)"
            try FileSystem.makePrivateDirectory(folder)
            FileTimes.normaliseDirectory(replyDirectory)
            return "\(folder)/\(id.fileName)"
        }
    }

    /// Records an envelope whose file is already durable under its final name.
    func register(_ r: Reservation, id: EnvelopeID, delivery: Delivery, recipients: Set<KeyID>, size: Int, expiry: Date) {
        reservations[r] = nil
        switch delivery {
        case .report:
            guard entries[id] == nil else { return }  // the same bytes uploaded twice
            entries[id] = Entry(recipients: recipients, acknowledged: [], size: size, expiry: expiry)
        case .reply(let mailbox):
            guard mailboxes[mailbox]?[id] == nil else { return }
            mailboxes[mailbox, default: [:]][id] = (size, expiry)
        }
        storedBytes += size
    }

    // MARK: sources

    /// A mailbox's replies in random order. An unknown mailbox is simply empty: the answer
    /// must not tell whether a codename was ever used.
    func replies(in mailbox: MailboxID) -> [(id: EnvelopeID, size: Int)] {
        (mailboxes[mailbox] ?? [:]).map { (id: $0.key, size: $0.value.size) }.shuffled()
    }

    func path(ofReply id: EnvelopeID, in mailbox: MailboxID) -> String? {
        guard mailboxes[mailbox]?[id] != nil else { return nil }
        return "\(replyDirectory)/\(mailbox)/\(id.fileName)"
    }

    // MARK: reviewers

    /// The envelopes addressed to any of `kids` that these kids have not all acknowledged,
    /// in random order so the listing says nothing about arrival order.
    func inbox(for kids: Set<KeyID>) -> [(id: EnvelopeID, size: Int)] {
        entries.filter { !$0.value.recipients.intersection(kids).subtracting($0.value.acknowledged).isEmpty }
            .map { (id: $0.key, size: $0.value.size) }
            .shuffled()
    }

    func path(of id: EnvelopeID, for kids: Set<KeyID>) -> String? {
        guard let entry = entries[id], !entry.recipients.intersection(kids).subtracting(entry.acknowledged).isEmpty else {
            return nil
        }
        return "\(envelopeDirectory)/\(id.fileName)"
    }

    /// Records that `kids` will not be sent `id` again; deletes it once every addressed
    /// kid acknowledged, remembering the id until its expiry day. Returns false if it was
    /// not in their inbox.
    func acknowledge(_ id: EnvelopeID, by kids: Set<KeyID>) async throws -> Bool {
        await claim(id)
        defer { unclaim(id) }
        guard var entry = entries[id] else { return false }
        let mine = entry.recipients.intersection(kids).subtracting(entry.acknowledged)
        guard !mine.isEmpty else { return false }
        entry.acknowledged.formUnion(mine)
        if entry.acknowledged.isSuperset(of: entry.recipients) {
            guard forget(id) else { return false }
            let day = Self.day(of: entry.expiry)
            acknowledged[id] = day
            let record = Self.acknowledgedRecord(id, day: day)
            // The files go first: on a full disk, that frees the room the record needs.
            try? await Self.maintenance.runIfActive { [self] in
                deleteFiles(of: id)
                try? acknowledgedLog.append(record)
            }
        } else {
            let list = try JSONEncoder().encode(entry.acknowledged.map(\.base64URL).sorted())
            let path = "\(envelopeDirectory)/\(id.acksName)"
            let (expiry, directory) = (entry.expiry, envelopeDirectory)
            try await Self.maintenance.runIfActive {
                try AtomicFile.write(list, to: path, mode: 0o600, replaceExisting: true)
                FileTimes.set(path, to: expiry)
                FileTimes.normaliseDirectory(directory)
            }
            // Expiry may have removed it meanwhile: never bring it back.
            if entries[id] != nil { entries[id] = entry }
        }
        return true
    }

    // MARK: forwarding (an edge relay)

    /// Every queued report and its size, in random order, for the forwarder.
    func queuedReports() -> [(id: EnvelopeID, size: Int)] {
        entries.map { (id: $0.key, size: $0.value.size) }.shuffled()
    }

    nonisolated func path(ofQueued id: EnvelopeID) -> String { "\(envelopeDirectory)/\(id.fileName)" }

    /// The upstream stored `id` (its 202): the edge's copy goes, and the id is remembered as
    /// an acknowledged one, so the same bytes sent here again are answered 202 and not queued
    /// a second time.
    func forwarded(_ id: EnvelopeID) async {
        guard let entry = entries[id] else { return }
        _ = try? await acknowledge(id, by: entry.recipients)
    }

    /// Drops `id` from the index and the quotas; false if it was not queued. Its files are
    /// the caller's to delete, off the actor (`deleteFiles`).
    private func forget(_ id: EnvelopeID) -> Bool {
        guard let entry = entries.removeValue(forKey: id) else { return false }
        storedBytes -= entry.size
        return true
    }

    /// Blocking: run it on `maintenance`.
    private nonisolated func deleteFiles(of id: EnvelopeID) {
        unlink("\(envelopeDirectory)/\(id.fileName)")
        unlink("\(envelopeDirectory)/\(id.acksName)")
        unlink("\(envelopeDirectory)/\(id.receiptName)")
        FileTimes.normaliseDirectory(envelopeDirectory)
        try? syncDirectory(envelopeDirectory)
    }

    /// Deletes every envelope whose expiry day has passed; returns how many.
    @discardableResult
    func expire(now: Date) async -> Int {
        let today = Self.day(of: now)
        let forgotten = acknowledged.filter { $0.value < today }
        var records: [[UInt8]]?
        if !forgotten.isEmpty {
            for id in forgotten.keys { acknowledged[id] = nil }
            records = acknowledged.map(Self.acknowledgedRecord)
        }
        let due = entries.filter { $0.value.expiry <= now }.map(\.key).filter(forget)
        var replyFiles: [String] = []
        var emptyMailboxes: [String] = []
        for (mailbox, replies) in mailboxes {
            for (id, reply) in replies where reply.expiry <= now {
                replyFiles.append("\(replyDirectory)/\(mailbox)/\(id.fileName)")
                mailboxes[mailbox]?[id] = nil
                storedBytes -= reply.size
            }
            if mailboxes[mailbox]?.isEmpty == true {
                mailboxes[mailbox] = nil
                emptyMailboxes.append("\(replyDirectory)/\(mailbox)")
            }
        }
        let (log, replyDirectory) = (acknowledgedLog, replyDirectory)
        try? await Self.maintenance.runIfActive { [self, records, replyFiles, emptyMailboxes] in
            if let records { try? log.replace(with: records) }
            due.forEach(deleteFiles)
            replyFiles.forEach { unlink($0) }
            emptyMailboxes.forEach { rmdir($0) }
            if !replyFiles.isEmpty { FileTimes.normaliseDirectory(replyDirectory) }
        }
        return due.count + replyFiles.count
    }
}

extension EnvelopeID {
    /// Which of an envelope's addressed kids acknowledged it.
    var acksName: String { "\(description).acks" }
}

// MARK: moving to another backend

extension Spool {
    /// One stored envelope as `sealrelayd migrate` moves it.
    struct Held: Sendable {
        let id: EnvelopeID
        /// Nil for a report.
        let mailbox: MailboxID?
        let recipients: Set<KeyID>
        let acknowledged: Set<KeyID>
        let size: Int
        let expiryDay: Int
        let path: String
    }

    /// Everything held: envelopes, and the acknowledged ids with their expiry days.
    func everything() -> (envelopes: [Held], acknowledged: [(id: EnvelopeID, day: Int)]) {
        var held = entries.map { id, entry in
            Held(id: id, mailbox: nil, recipients: entry.recipients, acknowledged: entry.acknowledged, size: entry.size,
                 expiryDay: Self.day(of: entry.expiry), path: "\(envelopeDirectory)/\(id.fileName)")
        }
        for (mailbox, replies) in mailboxes {
            for (id, reply) in replies {
                held.append(Held(id: id, mailbox: mailbox, recipients: [], acknowledged: [], size: reply.size,
                                 expiryDay: Self.day(of: reply.expiry), path: "\(replyDirectory)/\(mailbox)/\(id.fileName)"))
            }
        }
        return (held, acknowledged.map { (id: $0.key, day: $0.value) })
    }
}

// MARK: the spool protocol

extension Spool: EnvelopeStore {
    /// Durable under its content id (fsync, rename, and the directory fsync shared with
    /// the commits finishing at the same time) and registered, with no other commit or
    /// acknowledgement of the same id in between.
    func accept(_ bytes: IncomingBytes, _ upload: CompletedUpload, reservation: Reservation,
                through intake: EnvelopeIntake) async throws -> SignedReceipt? {
        let (id, delivery) = (upload.id, upload.delivery)
        await claim(id)
        defer { unclaim(id) }
        let (threadPool, receipts) = (intake.threadPool, intake.receipts)
        if alreadyHas(id, delivery: delivery) {
            await intake.discard(bytes)
            release(reservation)
            guard let receipts else { return nil }
            return try await threadPool.runIfActive { try receipts.existing(id, delivery: delivery) }
        }
        let expiry = expiryDate()
        // The receipt is renamed in before the envelope and the one group fsync makes both
        // durable before the 202 (an orphan receipt goes at start-up; a receipt a crash lost
        // is written when the same bytes come again: `ReceiptBook.existing`).
        let signed = try await threadPool.runIfActive { [self, disk = intake.disk, group = intake.group] in
            let final = try path(for: id, delivery: delivery)
            let file = try bytes.file ?? PartialFile(directory: incomingDirectory, disk: disk)
            try bytes.pending.withUnsafeReadableBytes { try file.write($0) }
            let receipt = try receipts?.record(id, delivery: delivery, expiry: expiry)
            try file.commit(to: final, times: expiry, group: group)
            return receipt
        }
        register(reservation, id: id, delivery: delivery, recipients: upload.recipients, size: upload.size, expiry: expiry)
        return signed
    }

    func usage() -> (count: Int, bytes: Int) { (count, bytes) }

    func report(_ id: EnvelopeID, for kids: Set<KeyID>) -> StoredEnvelope? {
        path(of: id, for: kids).map { .file(path: $0) }
    }

    nonisolated func keptReceipt(_ id: EnvelopeID, book: ReceiptBook, threadPool: NIOThreadPool) async -> SignedReceipt? {
        try? await threadPool.runIfActive { book.stored(id) }
    }

    func reply(_ id: EnvelopeID, in mailbox: MailboxID) -> StoredEnvelope? {
        path(ofReply: id, in: mailbox).map { .file(path: $0) }
    }
}
