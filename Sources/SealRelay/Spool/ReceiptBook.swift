import Foundation
import SealAPI
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// The relay's signed receipts (docs/API.md "Receipts"). A queued report's receipt is kept
/// beside it as `ID.receipt`, written durably before the envelope itself is renamed into
/// place, so every envelope a reviewer can fetch has the receipt its sender was given.
/// Its file time is the envelope's expiry day, like every spool file; the day inside it is
/// the arrival day, which the receipt exists to state. All methods block on the disk:
/// callers run them on the commit thread pool, never on an event loop.
struct ReceiptBook: Sendable {
    let key: SigningKey
    let directory: String

    func path(of id: EnvelopeID) -> String { "\(directory)/\(id.receiptName)" }

    /// Signs today's receipt for `id` and, for a report, keeps it durably.
    func record(_ id: EnvelopeID, delivery: Delivery, expiry: Date) throws -> SignedReceipt {
        let receipt = try SignedReceipt.sign(id, with: key)
        guard case .report = delivery else { return receipt }
        let path = path(of: id)
        try AtomicFile.write(try receipt.encoded(), to: path, mode: 0o600, replaceExisting: true)
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
        if case .report = delivery, let kept = stored(id) { return kept }
        return try unrecorded(id)
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
