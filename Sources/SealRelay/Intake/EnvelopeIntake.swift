import Foundation
import NIOCore
import NIOPosix
import SealAPI
import SealCore

/// Receives one envelope from a request body: validates it as it streams, writes it to a
/// private temporary file, and makes it durable (fsync, rename, fsync of the directory)
/// before it counts as accepted.
struct EnvelopeIntake: Sendable {
    let spool: Spool
    let threadPool: NIOThreadPool
    /// Signs and keeps receipts; nil in tests of intake alone, whose answers carry the id only.
    var receipts: ReceiptBook? = nil
    /// fsync of a directory; a seam so tests can make it fail, never a setting.
    var syncDirectory: @Sendable (String) throws -> Void = { try FileSystem.syncDirectory($0) }
    /// `decoys = on`: a report addressed to `Decoy.kid` is answered and not kept.
    var decoys = false

    /// Refuses at once a body declared larger than any envelope the relay takes, before a
    /// byte of it is read or anything is reserved or opened.
    func refuseOversized(declaredLength: Int?, alreadyHeld: Int = 0) throws {
        let max = spool.quotas.maxEnvelopeBytes
        if let declaredLength, declaredLength > max - alreadyHeld { throw IntakeError.spool(.tooLarge(max)) }
    }

    /// Claims a share of the spool's quotas for one upload.
    func reserve() async throws -> Spool.Reservation {
        do { return try await spool.reserve() } catch let e as SpoolError { throw IntakeError.spool(e) }
    }

    /// The private file an upload is written into, made when its first byte arrives.
    func openPartial() async throws -> PartialFile {
        do {
            return try await threadPool.runIfActive { [spool] in try PartialFile(directory: spool.incomingDirectory) }
        } catch {
            throw IntakeError.spool(.io("cannot create a file"))
        }
    }

    func receive<Body: AsyncSequence>(_ body: Body, as delivery: Delivery, declaredLength: Int?,
                                      expectedDigest: [UInt8]? = nil) async throws -> Receipt
    where Body.Element == ByteBuffer {
        try refuseOversized(declaredLength: declaredLength)
        let reservation = try await reserve()
        var file: PartialFile?
        do {
            var validator = EnvelopeValidator(delivery: delivery, maxBytes: spool.quotas.maxEnvelopeBytes,
                                              expectedDigest: expectedDigest, acceptsDecoys: decoys)
            var charged = 0
            for try await buffer in body {
                try await append(buffer, to: &file, validator: &validator, reservation: reservation, charged: &charged)
            }
            return try await commit(file, validator: validator, reservation: reservation)
        } catch {
            await spool.release(reservation)
            file?.discard()
            throw IntakeError(error) ?? error
        }
    }

    /// Checks and writes one buffer of an upload, opening its file once the head checked out
    /// (the validator holds the bytes until then; a decoy's are never written). The size
    /// limit is checked on every buffer; the spool's shared byte quota, an actor hop, once
    /// per MiB (and again at the commit), which keeps small reports to one hop.
    func append(_ buffer: ByteBuffer, to file: inout PartialFile?, validator: inout EnvelopeValidator,
                reservation: Spool.Reservation, charged: inout Int) async throws {
        guard buffer.readableBytes > 0 else { return }
        try buffer.withUnsafeReadableBytes { try validator.consume($0) }
        if validator.total - charged >= 1 << 20 {
            try await spool.charge(reservation, total: validator.total)
            charged = validator.total
        }
        guard validator.hasHead, !validator.isDecoy else { return }
        let target: PartialFile
        if let file {
            target = file
        } else {
            target = try await openPartial()
            file = target
        }
        let held = validator.takeHeldBytes()
        if held.isEmpty {
            try buffer.withUnsafeReadableBytes { try target.write($0) }
        } else {
            try held.withUnsafeBytes { try target.write($0) }
        }
    }

    /// The end of an upload: the final checks, then durable under its content id and
    /// registered with the spool, with no other commit or acknowledgement of the same id
    /// in between. The same bytes again (queued, or delivered and acknowledged) are
    /// answered with the same receipt and not queued again. On a throw the caller discards
    /// the file and the reservation.
    func commit(_ file: PartialFile?, validator: EnvelopeValidator, reservation: Spool.Reservation) async throws -> Receipt {
        try await spool.charge(reservation, total: validator.total)
        let (id, head, size) = try validator.finish()
        if validator.isDecoy {
            // Checked as a report is, answered with a receipt signed as a report's is, and
            // then forgotten: no file, no receipt record, no spool entry.
            await spool.release(reservation)
            return try receipts.map { Receipt(try $0.unrecorded(id)) } ?? Receipt(receipt: id)
        }
        guard let file else { throw IntakeError.malformed("envelope is truncated inside its header") }
        await spool.claim(id)
        let delivery = validator.delivery
        var signed: SignedReceipt?
        do {
            if await spool.alreadyHas(id, delivery: delivery) {
                file.discard()
                await spool.release(reservation)
                if let receipts { signed = try await threadPool.runIfActive { try receipts.existing(id, delivery: delivery) } }
            } else {
                let expiry = spool.expiryDate()
                let final = try spool.path(for: id, delivery: delivery)
                // The receipt is durable before the envelope: no reviewer can fetch an
                // envelope whose receipt a crash lost (an orphan receipt goes at start-up).
                signed = try await threadPool.runIfActive { [syncDirectory, receipts] in
                    let receipt = try receipts?.record(id, delivery: delivery, expiry: expiry)
                    try file.commit(to: final, times: expiry, syncDirectory: syncDirectory)
                    return receipt
                }
                await spool.register(reservation, id: id, delivery: validator.delivery, recipients: Set(head.header.kids),
                                     size: size, expiry: expiry)
            }
        } catch {
            await spool.unclaim(id)
            throw error
        }
        await spool.unclaim(id)
        return signed.map(Receipt.init) ?? Receipt(receipt: id)
    }
}
