import Foundation
import NIOCore
import SealAPI
import SealCore

/// The chunked way in for reports (docs/API.md "Chunked uploads"): browsers cannot stream
/// an HTTP/1.1 request body, so the page sends an envelope as slices of a few MiB, each its
/// own request, and the relay appends them to one partial file. The bytes go through the
/// same `EnvelopeValidator` and the same commit as `POST /v1/reports`, so the result (and
/// the receipt) is exactly what a single request with the same bytes would give.
///
/// An upload holds a spool reservation (which grows with its bytes) from creation until it
/// is completed, refused, cancelled or expired; a refusal other than 404 or 409 ends it.
///
/// With PostgreSQL storage (`shared`), the bytes go to the database instead of a partial
/// file, a chunk at a time, so any node may take the next slice or the completion: a node
/// that does not hold the upload takes it into its own table ("adopts" it) and feeds the
/// stored bytes through a fresh validator; a node that holds it but missed slices taken
/// elsewhere feeds only those. Slots, pace and quota reservations stay per node.
struct ChunkedUploads: Sendable {
    /// Largest slice one PUT may carry.
    static let maxSliceBytes = 8 << 20

    let table: UploadTable
    let intake: EnvelopeIntake
    /// The bundle whose kids an upload is checked against, as it is when the upload opens.
    let bundle: CurrentBundle
    /// Where uploads wait between slices with PostgreSQL storage; nil with files.
    let shared: PostgresUploads?

    init(table: UploadTable, intake: EnvelopeIntake, bundle: CurrentBundle) {
        self.table = table
        self.intake = intake
        self.bundle = bundle
        self.shared = (intake.spool as? PostgresSpool).map(PostgresUploads.init)
    }

    var spool: any EnvelopeStore { intake.spool }

    /// Opens an upload, displacing the slowest idle one when every slot is taken.
    func create(now: ContinuousClock.Instant = .now) async throws -> UploadID {
        let upload = try await open(now: now)
        guard let (id, displaced) = await table.insert(upload, now: now) else {
            await discard(upload)
            throw UploadRefusal.tooManyUploads
        }
        if let displaced { await discard(displaced.upload, id: displaced.id) }
        if let shared {
            do {
                try await shared.create(id)
            } catch {
                await table.finish(id)
                await discard(upload)
                throw IntakeError(error) ?? error
            }
        }
        return id
    }

    /// A new, empty upload with its reservation, when a slot is free or may be freed.
    private func open(now: ContinuousClock.Instant) async throws -> ChunkedUpload {
        guard await table.hasRoom(now: now) else { throw UploadRefusal.tooManyUploads }
        let reservation = try await intake.reserve()
        return ChunkedUpload(reservation: reservation,
                             validator: EnvelopeValidator(delivery: bundle.delivery, maxBytes: spool.quotas.maxEnvelopeBytes,
                                                          acceptsDecoys: intake.decoys))
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
            try intake.refuseOversized(declaredLength: declaredLength, alreadyHeld: upload.offset)
            var slice = 0
            for try await buffer in body {
                slice += buffer.readableBytes
                guard slice <= Self.maxSliceBytes else { throw UploadRefusal.sliceTooLarge(Self.maxSliceBytes) }
                if shared == nil {
                    try await intake.append(buffer, to: &upload.bytes, validator: &upload.validator,
                                            reservation: upload.reservation, charged: &upload.charged)
                } else {
                    try await intake.take(buffer, into: &upload.bytes, validator: &upload.validator,
                                          reservation: upload.reservation, charged: &upload.charged)
                    try await store(&upload, id, whole: false)
                }
            }
            try await store(&upload, id, whole: true)
            try await chargeAll(&upload)
        } catch let error where IntakeError(error) != nil || error is UploadRefusal {
            await table.finish(id)
            await discard(upload, id: id)
            throw IntakeError(error) ?? error
        } catch {
            // The body failed (the client went away): keep what arrived, for a resumed PUT,
            // unless the quota or the disk cannot hold it.
            do {
                try await store(&upload, id, whole: true)
                try await chargeAll(&upload)
            } catch {
                await table.finish(id)
                await discard(upload, id: id)
                throw error
            }
            await table.checkIn(id, upload)
            throw error
        }
        await table.checkIn(id, upload)
        return upload.offset
    }

    /// Validates the whole upload as the single-request path does and queues it durably.
    func complete(_ id: UploadID) async throws -> Receipt {
        let upload = try await checkOut(id, at: nil)
        var bytes = upload.bytes
        if shared != nil { bytes.upload = id }
        do {
            let receipt = try await intake.commit(bytes, validator: upload.validator, reservation: upload.reservation)
            await table.finish(id)
            return receipt
        } catch {
            await table.finish(id)
            await discard(upload, id: id)
            throw IntakeError(error) ?? error
        }
    }

    /// The client gives up: its bytes and its share of the quota go at once.
    func cancel(_ id: UploadID) async throws {
        let upload = try await checkOut(id, at: nil)
        await table.finish(id)
        await discard(upload, id: id)
    }

    /// Deletes uploads idle past the timeout; returns how many.
    @discardableResult
    func expireIdle(now: ContinuousClock.Instant = .now) async -> Int {
        let gone = await table.expire(now: now)
        for (id, upload) in gone { await discard(upload, id: id) }
        return gone.count
    }

    /// Writes the bytes received to where the upload waits: at the end of a slice (`whole`)
    /// the partial file; with `shared`, the database, also as soon as they fill the upload's
    /// current chunk and the envelope's head checked out, so memory holds at most about a
    /// chunk per upload. Mid-slice, only whole chunks go (the rest waits for the next), since
    /// a chunk written in two parts is rewritten whole by the second.
    private func store(_ upload: inout ChunkedUpload, _ id: UploadID, whole: Bool) async throws {
        guard let shared else {
            if whole { try await intake.write(&upload.bytes) }
            return
        }
        let chunkSize = PostgresUploads.chunkSize
        let end = whole ? upload.offset : upload.offset / chunkSize * chunkSize
        guard end > upload.stored, whole || upload.validator.hasHead else { return }
        var pending = upload.bytes.takePending()
        // A decoy's bytes are never held: its size moves on without them.
        let bytes = pending.readableBytes == 0 ? pending : pending.readSlice(length: end - upload.stored)
        guard let bytes else { throw IntakeError.spool(.io("an upload's held bytes do not match its offset")) }
        // What is past the chunk gets storage of its own: kept as a slice, the whole buffer
        // would stay and grow with every later slice of the upload.
        var rest = ByteBuffer()
        rest.writeBuffer(&pending)
        upload.bytes.pending = rest
        do {
            guard try await shared.append(id, bytes, at: upload.stored, size: end) else {
                throw UploadRefusal.notFound
            }
        } catch let error as SpoolError {
            throw IntakeError.spool(error)
        }
        upload.stored = end
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
        guard let shared else {
            switch await table.checkOut(id, at: offset) {
            case .ok(let upload): return upload
            case .missing: throw UploadRefusal.notFound
            case .conflict(let current): throw UploadRefusal.conflict(offset: current)
            }
        }
        let size: Int?
        do { size = try await shared.size(of: id) } catch { throw IntakeError(error) ?? error }
        var upload: ChunkedUpload
        switch await table.checkOut(id, at: nil) {
        case .conflict(let current):
            throw UploadRefusal.conflict(offset: current)
        case .missing:
            guard let size else { throw UploadRefusal.notFound }
            upload = try await adopt(id, at: size)
        case .ok(let held):
            upload = held
        }
        // Bring this node's copy up to what the database holds: slices taken elsewhere.
        var validator = upload.validator
        do {
            guard let size, size >= upload.stored, try await shared.feed(id, into: &validator, upTo: size) else {
                throw UploadRefusal.notFound
            }
            upload.validator = validator
            upload.stored = size
        } catch SpoolError.unavailable {
            await table.checkIn(id, upload)
            throw IntakeError.spool(.unavailable)
        } catch {
            // Gone (completed or cancelled at another node), or its bytes cannot be read back
            // (a decoy's, which are never stored).
            await table.finish(id)
            await discard(upload, id: id)
            throw IntakeError(error) ?? error
        }
        if let offset, offset != upload.offset {
            await table.checkIn(id, upload)
            throw UploadRefusal.conflict(offset: upload.offset)
        }
        return upload
    }

    /// Takes an upload that another node created into this node's table, checked out, with
    /// nothing fed to its validator yet.
    private func adopt(_ id: UploadID, at size: Int) async throws -> ChunkedUpload {
        let now = ContinuousClock.now
        let upload = try await open(now: now)
        guard let (_, displaced) = await table.insert(upload, as: id, now: now) else {
            await discard(upload)
            throw UploadRefusal.conflict(offset: size)
        }
        if let displaced { await discard(displaced.upload, id: displaced.id) }
        guard case .ok(let adopted) = await table.checkOut(id, at: nil) else { throw UploadRefusal.conflict(offset: size) }
        return adopted
    }

    /// Drops an upload's bytes and its share of the quota; with `shared`, its rows too, if
    /// no other node has taken it further since (`PostgresUploads.delete`).
    private func discard(_ upload: ChunkedUpload, id: UploadID? = nil) async {
        await intake.discard(upload.bytes)
        await spool.release(upload.reservation)
        if let shared, let id { try? await shared.delete(id, at: upload.stored) }
    }
}
