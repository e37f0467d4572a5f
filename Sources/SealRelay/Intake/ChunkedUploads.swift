import Foundation
import NIOCore
import SealCore

/// A chunked upload's name: 128 random bits, base64url. It is the only thing that lets a
/// client add to an upload, so it is random rather than counted, and it is never written to
/// disk (the partial file has its own random name): after a restart it means nothing.
struct UploadID: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    static func random() -> UploadID {
        UploadID(bytes: SecureBytes.random(count: 16).withUnsafeBytes { Array($0) })
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Only the canonical 22-character form.
    init?(_ text: String) {
        guard text.utf8.count == 22, let bytes = Base64URL.decode(text, count: 16),
              Base64URL.encode(bytes) == text else { return nil }
        self.bytes = bytes
    }

    var description: String { Base64URL.encode(bytes) }
}

/// One upload between requests: its partial file in `incoming/`, its share of the spool's
/// quotas, and the validator that has seen exactly the bytes in the file.
struct ChunkedUpload: Sendable {
    let file: PartialFile
    let reservation: Spool.Reservation
    var validator: EnvelopeValidator
    /// Bytes last charged to the spool's shared quota.
    var charged = 0

    /// Bytes received so far: the only offset a next slice may start at.
    var offset: Int { validator.total }
}

/// The uploads in progress, by id. A request takes an upload out ("checks it out") for as
/// long as it works on it and puts it back after, so two requests never write to one file
/// at once and the file I/O happens outside the actor. The clock is the monotonic one and
/// lives only in memory: it decides idleness, and no time is stored or logged.
actor UploadTable {
    enum Slot {
        case idle(ChunkedUpload, since: ContinuousClock.Instant)
        /// A request is working on it; `offset` is where it started.
        case busy(offset: Int)
    }

    enum CheckOut {
        case ok(ChunkedUpload)
        case missing
        /// The slice does not start where the upload ends, or another request holds it.
        case conflict(offset: Int)
    }

    let capacity: Int
    let idleTimeout: Duration
    private var slots: [UploadID: Slot] = [:]

    init(capacity: Int, idleTimeout: Duration) {
        self.capacity = capacity
        self.idleTimeout = idleTimeout
    }

    var count: Int { slots.count }
    var hasRoom: Bool { slots.count < capacity }

    /// Adds a new upload under a fresh id; nil when the table is full.
    func insert(_ upload: ChunkedUpload) -> UploadID? {
        guard slots.count < capacity else { return nil }
        var id = UploadID.random()
        while slots[id] != nil { id = UploadID.random() }
        slots[id] = .idle(upload, since: .now)
        return id
    }

    /// Takes the upload out if it is idle and, when `offset` is given, ends exactly there.
    func checkOut(_ id: UploadID, at offset: Int?) -> CheckOut {
        switch slots[id] {
        case nil:
            return .missing
        case .busy(let current):
            return .conflict(offset: current)
        case .idle(let upload, _):
            if let offset, offset != upload.offset { return .conflict(offset: upload.offset) }
            slots[id] = .busy(offset: upload.offset)
            return .ok(upload)
        }
    }

    /// Puts a checked-out upload back, idle from now.
    func checkIn(_ id: UploadID, _ upload: ChunkedUpload) {
        slots[id] = .idle(upload, since: .now)
    }

    /// Forgets a checked-out upload (completed or refused).
    func finish(_ id: UploadID) {
        slots[id] = nil
    }

    /// Removes every upload idle for longer than the timeout and returns them, for the
    /// caller to delete. A busy one is never taken: its connection's idle timeout bounds it.
    func expire(now: ContinuousClock.Instant = .now) -> [ChunkedUpload] {
        var gone: [ChunkedUpload] = []
        for (id, slot) in slots {
            if case .idle(let upload, let since) = slot, now - since > idleTimeout {
                slots[id] = nil
                gone.append(upload)
            }
        }
        return gone
    }
}

/// Why a chunked-upload request was refused, beyond what `IntakeError` covers.
enum UploadRefusal: Error, Equatable {
    case tooManyUploads
    case notFound
    case conflict(offset: Int)
    case sliceTooLarge(Int)
}

/// The chunked way in for reports (docs/API.md "Chunked uploads"): browsers cannot stream
/// an HTTP/1.1 request body, so the page sends an envelope as slices of a few MiB, each its
/// own request, and the relay appends them to one partial file. The bytes go through the
/// same `EnvelopeValidator` and the same commit as `POST /v1/reports`, so the result (and
/// the receipt) is exactly what a single request with the same bytes would give.
///
/// An upload holds a spool reservation (which grows with its bytes) from creation until it
/// is completed, refused, cancelled or expired; a refusal other than 404 or 409 ends it.
struct ChunkedUploads: Sendable {
    /// Largest slice one PUT may carry.
    static let maxSliceBytes = 8 << 20

    let table: UploadTable
    let intake: EnvelopeIntake
    let delivery: Delivery

    var spool: Spool { intake.spool }

    func create() async throws -> UploadID {
        guard await table.hasRoom else { throw UploadRefusal.tooManyUploads }
        let (reservation, file) = try await intake.openPartial()
        file.normaliseTimes()
        FileTimes.normaliseDirectory(spool.incomingDirectory)
        let upload = ChunkedUpload(file: file, reservation: reservation,
                                   validator: EnvelopeValidator(delivery: delivery, maxBytes: spool.quotas.maxEnvelopeBytes))
        guard let id = await table.insert(upload) else {
            await discard(upload)
            throw UploadRefusal.tooManyUploads
        }
        return id
    }

    /// Appends one slice that must start at `offset`; returns the new offset.
    ///
    /// If the client goes away mid-slice, the buffers that arrived stay (each one was
    /// checked and written whole) and the upload waits at the new offset, which the next
    /// PUT learns from its 409: that is how a dropped connection resumes.
    func append<Body: AsyncSequence>(_ id: UploadID, offset: Int, declaredLength: Int?, body: Body) async throws -> Int
    where Body.Element == ByteBuffer {
        var upload = try await checkOut(id, at: offset)
        do {
            if let declaredLength, declaredLength > Self.maxSliceBytes { throw UploadRefusal.sliceTooLarge(Self.maxSliceBytes) }
            var slice = 0
            for try await buffer in body {
                slice += buffer.readableBytes
                guard slice <= Self.maxSliceBytes else { throw UploadRefusal.sliceTooLarge(Self.maxSliceBytes) }
                try await intake.append(buffer, to: upload.file, validator: &upload.validator,
                                        reservation: upload.reservation, charged: &upload.charged)
            }
            try await chargeAll(&upload)
        } catch let error where IntakeError(error) != nil || error is UploadRefusal {
            await table.finish(id)
            await discard(upload)
            throw IntakeError(error) ?? error
        } catch {
            // The body failed (the client went away): keep what arrived, for a resumed PUT,
            // unless the quota cannot hold it.
            do {
                try await chargeAll(&upload)
            } catch {
                await table.finish(id)
                await discard(upload)
                throw error
            }
            upload.file.normaliseTimes()
            await table.checkIn(id, upload)
            throw error
        }
        upload.file.normaliseTimes()
        await table.checkIn(id, upload)
        return upload.offset
    }

    /// Validates the whole upload as the single-request path does and queues it durably.
    func complete(_ id: UploadID) async throws -> EnvelopeID {
        let upload = try await checkOut(id, at: nil)
        do {
            let receipt = try await intake.commit(upload.file, validator: upload.validator, reservation: upload.reservation)
            await table.finish(id)
            return receipt
        } catch {
            await table.finish(id)
            await discard(upload)
            throw IntakeError(error) ?? error
        }
    }

    /// The client gives up: its bytes and its share of the quota go at once.
    func cancel(_ id: UploadID) async throws {
        let upload = try await checkOut(id, at: nil)
        await table.finish(id)
        await discard(upload)
    }

    /// Deletes uploads idle past the timeout; returns how many.
    @discardableResult
    func expireIdle(now: ContinuousClock.Instant = .now) async -> Int {
        let gone = await table.expire(now: now)
        for upload in gone { await discard(upload) }
        return gone.count
    }

    /// Charges every byte received to the reservation. The single-request path charges
    /// once per MiB while a body streams; an upload waiting between slices must be counted
    /// in full, or idle uploads could hold more than the spool quota allows.
    private func chargeAll(_ upload: inout ChunkedUpload) async throws {
        guard upload.charged != upload.offset else { return }
        try await spool.charge(upload.reservation, total: upload.offset)
        upload.charged = upload.offset
    }

    private func checkOut(_ id: UploadID, at offset: Int?) async throws -> ChunkedUpload {
        switch await table.checkOut(id, at: offset) {
        case .ok(let upload): return upload
        case .missing: throw UploadRefusal.notFound
        case .conflict(let current): throw UploadRefusal.conflict(offset: current)
        }
    }

    private func discard(_ upload: ChunkedUpload) async {
        upload.file.discard()
        FileTimes.normaliseDirectory(spool.incomingDirectory)
        await spool.release(upload.reservation)
    }
}
