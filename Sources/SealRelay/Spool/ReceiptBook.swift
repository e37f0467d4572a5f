import CoreFoundation
import Foundation
import SealAPI
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// The relay's signed receipts (docs/API.md "Receipts"). A queued report's receipt is kept
/// beside it as `ID.receipt`, renamed into place before the envelope, and made durable by the
/// same directory fsync (the commit's), which comes before any 202: every envelope whose
/// sender was given a receipt has it. An envelope a crash left without one never got its
/// 202; if its sender posts it again, its receipt is written then (`existing`).
/// Its file time is the envelope's expiry day, like every spool file; the day inside it is
/// the arrival day, which the receipt exists to state. All methods block on the disk:
/// callers run them on the commit thread pool, never on an event loop.
struct ReceiptBook: Sendable {
    let key: SigningKey
    let directory: String

    func path(of id: EnvelopeID) -> String { "\(directory)/\(id.receiptName)" }

    /// Signs today's receipt for `id` and, for a report, keeps it beside where the envelope
    /// goes: the file is synced and renamed, and the commit's directory fsync (which the
    /// caller owes) makes the name durable with the envelope's.
    func record(_ id: EnvelopeID, delivery: Delivery, expiry: Date) throws -> SignedReceipt {
        let receipt = try SignedReceipt.sign(id, with: key)
        guard case .report = delivery else { return receipt }
        let path = path(of: id)
        let file = try AtomicFile(path: path, mode: 0o600, replaceExisting: true)
        try file.write(try receipt.encoded())
        try file.commitLeavingDirectorySync()
        FileTimes.set(path, to: expiry)
        return receipt
    }

    /// A receipt signed like every other and kept nowhere: a decoy's (`Decoy`).
    func unrecorded(_ id: EnvelopeID) throws -> SignedReceipt {
        try SignedReceipt.sign(id, with: key)
    }

    /// The receipt for bytes the relay already had: the one kept with a queued report, or
    /// (a reply, or a report already delivered and forgotten) a new one for today.
    func existing(_ id: EnvelopeID, delivery: Delivery) throws -> SignedReceipt {
        guard case .report = delivery else { return try unrecorded(id) }
        if let kept = stored(id) { return kept }
        // Queued without a receipt (a crash between the renames and the directory fsync):
        // keep the one this sender is given now, durably, with the envelope's expiry day.
        var st = stat()
        guard stat("\(directory)/\(id.fileName)", &st) == 0 else { return try unrecorded(id) }
        let receipt = try unrecorded(id)
        try AtomicFile.write(try receipt.encoded(), to: path(of: id), mode: 0o600, replaceExisting: true)
        FileTimes.set(path(of: id), to: Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec)))
        FileTimes.normaliseDirectory(directory)
        return receipt
    }

    /// The receipt kept with a queued report; nil for one accepted before receipts were
    /// signed, or whose receipt file is damaged.
    func stored(_ id: EnvelopeID) -> SignedReceipt? {
        guard let bytes = try? InputFile.readAll(path: path(of: id), limit: SignedReceipt.maxFileSize),
              let receipt = SignedReceipt.decode(bytes), receipt.receipt == id else { return nil }
        return receipt
    }
}

extension EnvelopeID {
    /// The signed receipt kept with a queued report.
    var receiptName: String { "\(description).receipt" }
}
