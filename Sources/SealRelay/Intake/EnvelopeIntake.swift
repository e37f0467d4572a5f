import Foundation
import NIOCore
import NIOPosix
import SealAPI
import SealCore

/// Receives one envelope from a request body: validates it as it streams, writes it to a
/// private temporary file, and makes it durable (fsync, rename, fsync of the directory,
/// shared with the commits that finish at the same time) before it counts as accepted.
/// Every blocking file call happens on `threadPool`.
struct EnvelopeIntake: Sendable {
    /// Where accepted envelopes go (the file spool or the database, docs/ARCHITECTURE.md "Storage").
    let spool: any EnvelopeStore
    let threadPool: NIOThreadPool
    /// Signs and keeps receipts; nil in tests of intake alone, whose answers carry the id only.
    let receipts: ReceiptBook?
    /// `decoys = on`: a report addressed to `Decoy.kid` is answered and not kept.
    let decoys: Bool
    let disk: SpoolDisk
    let group: GroupCommit

    init(spool: any EnvelopeStore, threadPool: NIOThreadPool, receipts: ReceiptBook? = nil, decoys: Bool = false,
         disk: SpoolDisk = .standard) {
        self.spool = spool
        self.threadPool = threadPool
        self.receipts = receipts
        self.decoys = decoys
        self.disk = disk
        self.group = GroupCommit(syncDirectory: disk.syncDirectory)
    }

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

    func receive<Body: AsyncSequence>(_ body: Body, as delivery: Delivery, declaredLength: Int?,
                                      expectedDigest: [UInt8]? = nil) async throws -> Receipt
    where Body.Element == ByteBuffer {
        try refuseOversized(declaredLength: declaredLength)
        let reservation = try await reserve()
        var bytes = IncomingBytes()
        do {
            var validator = EnvelopeValidator(delivery: delivery, maxBytes: spool.quotas.maxEnvelopeBytes,
                                              expectedDigest: expectedDigest, acceptsDecoys: decoys)
            var charged = 0
            for try await buffer in body {
                try await append(buffer, to: &bytes, validator: &validator, reservation: reservation, charged: &charged)
            }
            return try await commit(bytes, validator: validator, reservation: reservation)
        } catch {
            await spool.release(reservation)
            await discard(bytes)
            throw IntakeError(error) ?? error
        }
    }

    /// Checks one buffer of an upload and adds it to its bytes, writing a full batch once the
    /// envelope's head checked out.
    func append(_ buffer: ByteBuffer, to bytes: inout IncomingBytes, validator: inout EnvelopeValidator,
                reservation: Spool.Reservation, charged: inout Int) async throws {
        try await take(buffer, into: &bytes, validator: &validator, reservation: reservation, charged: &charged)
        if bytes.batchIsFull, validator.hasHead { try await write(&bytes) }
    }

    /// Checks one buffer of an upload and adds it to its pending bytes, for the caller to
    /// write; a decoy's bytes are dropped as they come. The size limit is checked on every
    /// buffer; the spool's shared byte quota, an actor hop, once per MiB (and again at the
    /// commit), which keeps small reports to one hop.
    func take(_ buffer: ByteBuffer, into bytes: inout IncomingBytes, validator: inout EnvelopeValidator,
              reservation: Spool.Reservation, charged: inout Int) async throws {
        guard buffer.readableBytes > 0 else { return }
        try buffer.withUnsafeReadableBytes { try validator.consume($0) }
        if validator.total - charged >= 1 << 20 {
            try await spool.charge(reservation, total: validator.total)
            charged = validator.total
        }
        guard !validator.isDecoy else {
            bytes.pending.clear()
            return
        }
        var copy = buffer
        bytes.pending.writeBuffer(&copy)
    }

    /// Writes the pending bytes, making the partial file with the first batch. Its times
    /// stay at the epoch: an upload waiting between slices must not record when one came.
    func write(_ bytes: inout IncomingBytes) async throws {
        guard bytes.pending.readableBytes > 0 else { return }
        let (existing, pending) = (bytes.file, bytes.takePending())
        bytes.file = try await threadPool.runIfActive { [spool, disk] in
            let file = try existing ?? PartialFile(directory: spool.incomingDirectory, disk: disk)
            try pending.withUnsafeReadableBytes { try file.write($0) }
            file.normaliseTimes()
            return file
        }
    }

    /// Deletes an upload's partial file, if it has one, off the connection's thread.
    func discard(_ bytes: IncomingBytes) async {
        guard let file = bytes.file else { return }
        try? await threadPool.runIfActive { file.discard() }
    }

    /// The end of an upload: the final checks, then handed to the store, which makes it
    /// durable under its content id (`EnvelopeStore.accept`). The same bytes again (queued,
    /// or delivered and acknowledged) are answered with the same receipt and not queued
    /// again. On a throw the caller discards the file and the reservation.
    func commit(_ bytes: IncomingBytes, validator: EnvelopeValidator, reservation: Spool.Reservation) async throws -> Receipt {
        try await spool.charge(reservation, total: validator.total)
        let (id, head, size) = try validator.finish()
        if validator.isDecoy {
            // Checked as a report is, answered with a receipt signed as a report's is, and
            // then forgotten: no file, no receipt record, no spool entry.
            await spool.release(reservation)
            return try receipts.map { Receipt(try $0.unrecorded(id)) } ?? Receipt(receipt: id)
        }
        guard bytes.file != nil || bytes.pending.readableBytes > 0 || bytes.upload != nil else {
            throw IntakeError.malformed("envelope is truncated inside its header")
        }
        let upload = CompletedUpload(id: id, delivery: validator.delivery, recipients: Set(head.header.kids), size: size)
        let signed = try await spool.accept(bytes, upload, reservation: reservation, through: self)
        return signed.map(Receipt.init) ?? Receipt(receipt: id)
    }
}
