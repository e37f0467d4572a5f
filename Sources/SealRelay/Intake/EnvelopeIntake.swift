import CoreFoundation
import Crypto
import Foundation
import NIOCore
import NIOPosix
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// Why an upload was refused, with the status it maps to.
enum IntakeError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case spool(SpoolError)

    var description: String {
        switch self {
        case .malformed(let why): return why
        case .spool(let e): return e.description
        }
    }
}

/// What an upload is, which decides how its head is checked and where it is queued.
enum Delivery: Sendable {
    /// A report: every stanza must name a reviewer of the current bundle.
    case report(reviewers: Set<KeyID>)
    /// A reviewer's answer to a source: one X25519 stanza for the source's reply key,
    /// which no bundle lists (docs/FORMAT.md §5), so only its shape is checked.
    case reply(mailbox: MailboxID)

    func check(_ head: EnvelopeHead) throws {
        switch self {
        case .report(let reviewers):
            try head.requireRecipients(in: reviewers)
        case .reply:
            guard head.header.stanzas.count == 1, head.header.suite == .x25519 else {
                throw IntakeError.malformed("a reply must have exactly one x25519 stanza, for the source's reply key")
            }
        }
    }
}

/// What can be checked of an envelope without a key (docs/FORMAT.md §3-4), fed its bytes in order as
/// they arrive: the size limit, magic, header length bound, the header's exact shape, the
/// recipients (by `Delivery`), and at the end the Padmé-padded payload length; and its
/// content id, the SHA-256 of exactly the bytes fed. Both ways in, the single-request
/// `POST /v1/reports` and the chunked `/v1/uploads`, use this one value, so an envelope
/// is accepted by one exactly when it is accepted by the other. A value type, so a chunked
/// upload keeps it between requests.
struct EnvelopeValidator: Sendable {
    let delivery: Delivery
    let maxBytes: Int
    private(set) var total = 0
    private var hasher = SHA256()
    private var head: EnvelopeHead?
    /// The bytes seen while the head is still incomplete (at most the header bound).
    private var headBytes: [UInt8] = []

    init(delivery: Delivery, maxBytes: Int) {
        self.delivery = delivery
        self.maxBytes = maxBytes
    }

    /// Takes the next bytes; throws as soon as they cannot be part of an acceptable envelope.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws {
        guard total + bytes.count <= maxBytes else { throw IntakeError.spool(.tooLarge(maxBytes)) }
        total += bytes.count
        hasher.update(bufferPointer: bytes)
        guard head == nil else { return }
        headBytes += bytes
        do {
            if let parsed = try EnvelopeHead.parse(headBytes) {
                try delivery.check(parsed)
                head = parsed
                headBytes = []
            }
        } catch let e as EnvelopeError {
            throw IntakeError.malformed(e.description)
        }
    }

    /// The verdict once every byte was fed: the receipt, the head and the size.
    func finish() throws -> (id: EnvelopeID, head: EnvelopeHead, size: Int) {
        guard let head else { throw IntakeError.malformed("envelope is truncated inside its header") }
        try Self.checkPayloadLength(total - head.length)
        return (EnvelopeID(digest: hasher.finalize()), head, total)
    }

    /// The payload's length alone says whether it can be a padded report: whole 64 KiB
    /// chunks plus one shorter final chunk, carrying a Padmé length of at least 16 KiB.
    static func checkPayloadLength(_ payload: Int) throws {
        let wire = EnvelopeFormat.chunkSize + EnvelopeFormat.tagSize
        let full = payload / wire
        let rest = payload % wire
        guard rest == 0 || rest > EnvelopeFormat.tagSize else {
            throw IntakeError.malformed("envelope payload is truncated or has trailing bytes")
        }
        let plaintext = full * EnvelopeFormat.chunkSize + (rest == 0 ? 0 : rest - EnvelopeFormat.tagSize)
        guard plaintext >= Padme.minimumReportSize, Padme.padded(plaintext) == plaintext else {
            throw IntakeError.malformed("envelope payload length is not that of a padded report")
        }
    }
}

extension IntakeError {
    /// Any error of the intake path as an `IntakeError`; nil for a body that failed (the
    /// client went away) or a shutdown.
    init?(_ error: any Error) {
        switch error {
        case let e as IntakeError: self = e
        case let e as SpoolError: self = .spool(e)
        case let e as EnvelopeError: self = .malformed(e.description)
        default: return nil
        }
    }
}

/// Receives one envelope from a request body: validates it as it streams, writes it to a
/// private temporary file, and makes it durable (fsync, rename, fsync of the directory)
/// before it counts as accepted.
struct EnvelopeIntake: Sendable {
    let spool: Spool
    let threadPool: NIOThreadPool

    /// A spool reservation and the private file an upload is written into; the reservation
    /// is released again if the file cannot be created.
    func openPartial() async throws -> (Spool.Reservation, PartialFile) {
        let reservation: Spool.Reservation
        do { reservation = try await spool.reserve() } catch let e as SpoolError { throw IntakeError.spool(e) }
        do {
            return (reservation, try PartialFile(directory: spool.incomingDirectory))
        } catch {
            await spool.release(reservation)
            throw IntakeError.spool(.io("cannot create a file"))
        }
    }

    func receive<Body: AsyncSequence>(_ body: Body, as delivery: Delivery) async throws -> EnvelopeID
    where Body.Element == ByteBuffer {
        let (reservation, file) = try await openPartial()
        do {
            var validator = EnvelopeValidator(delivery: delivery, maxBytes: spool.quotas.maxEnvelopeBytes)
            var charged = 0
            for try await buffer in body {
                try await append(buffer, to: file, validator: &validator, reservation: reservation, charged: &charged)
            }
            return try await commit(file, validator: validator, reservation: reservation)
        } catch {
            await spool.release(reservation)
            file.discard()
            throw IntakeError(error) ?? error
        }
    }

    /// Checks and writes one buffer of an upload. The size limit is checked on every
    /// buffer; the spool's shared byte quota, an actor hop, once per MiB (and again at the
    /// commit), which keeps small reports to one hop.
    func append(_ buffer: ByteBuffer, to file: PartialFile, validator: inout EnvelopeValidator,
                reservation: Spool.Reservation, charged: inout Int) async throws {
        try buffer.withUnsafeReadableBytes { try validator.consume($0) }
        if validator.total - charged >= 1 << 20 {
            try await spool.charge(reservation, total: validator.total)
            charged = validator.total
        }
        try buffer.withUnsafeReadableBytes { try file.write($0) }
    }

    /// The end of an upload: the final checks, then durable under its content id and
    /// registered with the spool. On a throw the caller discards the file and the reservation.
    func commit(_ file: PartialFile, validator: EnvelopeValidator, reservation: Spool.Reservation) async throws -> EnvelopeID {
        try await spool.charge(reservation, total: validator.total)
        let (id, head, size) = try validator.finish()
        let expiry = spool.expiryDate()
        let final = try spool.path(for: id, delivery: validator.delivery)
        try await threadPool.runIfActive { try file.commit(to: final, times: expiry) }
        await spool.register(reservation, id: id, delivery: validator.delivery, recipients: Set(head.header.kids),
                             size: size, expiry: expiry)
        return id
    }
}

/// An upload's bytes on their way to disk, under a random name in `incoming/`, which
/// start-up empties: a file there was never acknowledged to anyone.
final class PartialFile: @unchecked Sendable {
    private let fd: Int32
    let path: String
    private var done = false

    init(directory: String) throws {
        path = "\(directory)/\(Base64URL.encode(SecureBytes.random(count: 12).withUnsafeBytes { Array($0) })).partial"
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.io("cannot create a file") }
    }

    deinit {
        close(fd)
        if !done { unlink(path) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw errno == ENOSPC || errno == EDQUOT ? SpoolError.full : SpoolError.io("write failed")
            }
            offset += n
        }
    }

    /// Sets both times to the epoch: a chunked upload's file waits between requests, and
    /// its times must not record when the last slice came.
    func normaliseTimes() {
        var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: 0)]
        _ = futimens(fd, &times)
    }

    /// fsync, normalise times, rename into place, fsync the directory. Blocking: run it
    /// on a thread pool.
    func commit(to final: String, times: Date) throws {
        guard fsync(fd) == 0 else { throw errno == ENOSPC ? SpoolError.full : SpoolError.io("fsync failed") }
        FileTimes.set(path, to: times)
        guard rename(path, final) == 0 else { throw SpoolError.io("rename failed") }
        done = true
        let dir = URL(fileURLWithPath: final).deletingLastPathComponent().path
        FileTimes.normaliseDirectory(dir)
        FileTimes.normaliseDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        do { try FileSystem.syncDirectory(dir) } catch { throw SpoolError.io("directory fsync failed") }
    }

    func discard() {
        if !done { unlink(path) }
        done = true
    }
}
