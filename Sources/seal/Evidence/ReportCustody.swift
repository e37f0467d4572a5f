import Foundation
import SealCore

/// What `seal open` keeps in an opened report's folder about where it came from
/// (docs/FORMAT.md §9): the envelope's id (its content hash) and the relay's signed receipt
/// as `seal fetch` saved it. The index and `seal verify` are rebuilt from this file and
/// `manifest.json`, so the folders, not the index, are the case file's record.
struct ReportCustody: Codable, Equatable {
    var envelope: EnvelopeID
    var receipt: SignedReceipt?

    static let fileName = "custody.json"

    static func path(in folder: String) -> String { "\(folder)/\(fileName)" }

    static func read(folder: String) -> ReportCustody? {
        guard let bytes = try? InputFile.readAll(path: path(in: folder), limit: 64 << 10) else { return nil }
        return try? JSONDecoder().decode(ReportCustody.self, from: Data(bytes))
    }

    /// Records the custody of the envelope `id` at `envelopePath`, opened into `folder`: its
    /// id and the receipt beside it (`ID.receipt.json`). A receipt already kept is never
    /// dropped because a later run opened a copy without one.
    @discardableResult
    static func record(folder: String, envelope id: EnvelopeID, envelopePath: String) throws -> ReportCustody {
        let receiptPath = FetchedReceipt.path(besideEnvelope: envelopePath)
        var receipt: SignedReceipt?
        if let bytes = try? InputFile.readAll(path: receiptPath, limit: SignedReceipt.maxFileSize) {
            receipt = SignedReceipt.decode(bytes)
            if receipt == nil { Terminal.warn("\(receiptPath) is not a relay receipt; not kept") }
        }
        let old = read(folder: folder)
        let custody = ReportCustody(envelope: id, receipt: receipt ?? (old?.envelope == id ? old?.receipt : nil))
        if custody != old {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(Array(try encoder.encode(custody)) + [0x0A], to: path(in: folder), mode: 0o600,
                                 replaceExisting: true)
        }
        return custody
    }
}
