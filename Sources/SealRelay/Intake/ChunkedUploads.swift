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
struct ChunkedUploads: Sendable {
    /// Largest slice one PUT may carry.
    static let maxSliceBytes = 8 << 20

    let table: UploadTable
    let intake: EnvelopeIntake
    /// The bundle whose kids an upload is checked against, as it is when the upload opens.
    let bundle: CurrentBundle

    var spool: any EnvelopeStore { intake.spool }

    /// Opens an upload, displacing the slowest idle one when every slot is taken.
    func create(now: ContinuousClock.Instant = .now) async throws -> UploadID {
        guard await table.hasRoom(now: now) else { throw UploadRefusal.tooManyUploads }
        let reservation = try await intake.reserve()
        let upload = ChunkedUpload(reservation: reservation,
                                   validator: EnvelopeValidator(delivery: bundle.delivery, maxBytes: spool.quotas.maxEnvelopeBytes,
                                                                acceptsDecoys: intake.decoys))
        guard let (id, displaced) = await table.insert(upload, now: now) else {
            await discard(upload)
            throw UploadRefusal.tooManyUploads
        }
        if let displaced { await discard(displaced) }
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
            try intake.refuseOversized(declaredLength: declaredLength, alreadyHeld: upload.offset)
            var slice = 0
            for try await buffer in body {
                slice += buffer.readableBytes
                guard slice <= Self.maxSliceBytes else { throw UploadRefusal.sliceTooLarge(Self.maxSliceBytes) }
                try await intake.append(buffer, to: &upload.bytes, validator: &upload.validator,
                                        reservation: upload.reservation, charged: &upload.charged)
            }
            try await intake.write(&upload.bytes)
            try await chargeAll(&upload)
        } catch let error where IntakeError(error) != nil || error is UploadRefusal {
            await table.finish(id)
            await discard(upload)
            throw IntakeError(error) ?? error
        } catch {
            // The body failed (the client went away): keep what arrived, for a resumed PUT,
            // unless the quota or the disk cannot hold it.
            do {
                try await intake.write(&upload.bytes)
                try await chargeAll(&upload)
            } catch {
                await table.finish(id)
                await discard(upload)
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
        do {
            let receipt = try await intake.commit(upload.bytes, validator: upload.validator, reservation: upload.reservation)
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
        await intake.discard(upload.bytes)
        await spool.release(upload.reservation)
    }
}
