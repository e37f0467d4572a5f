import Foundation

/// What a reviewer can say about one report's relay receipt (docs/FORMAT.md §8), as the
/// index and `seal verify` show it.
public enum ReceiptStatus: String, Codable, Sendable {
    /// A relay key the organisation's bundle lists signed this envelope's id and day.
    case verified
    /// There is a receipt, but no listed relay key signed it for this envelope (a forged or
    /// damaged receipt, one for other bytes, or one from a relay the bundle does not list).
    case invalid
    /// The relay served no receipt (an older relay), or it was not kept.
    case missing
    /// There is a receipt, but no relay keys were given to check it against.
    case unchecked

    /// Judges the receipt file at `path` for the envelope `id`. `relayKeys` nil means the
    /// reviewer gave no bundle, so nothing can be checked.
    public static func of(receiptFile path: String, envelope id: EnvelopeID?, relayKeys: [[UInt8]]?) -> (ReceiptStatus, SignedReceipt?) {
        guard FileManager.default.fileExists(atPath: path) else { return (.missing, nil) }
        guard let bytes = try? InputFile.readAll(path: path, limit: SignedReceipt.maxFileSize),
              let receipt = SignedReceipt.decode(bytes) else { return (.invalid, nil) }
        return (of(receipt, envelope: id, relayKeys: relayKeys), receipt)
    }

    public static func of(_ receipt: SignedReceipt?, envelope id: EnvelopeID?, relayKeys: [[UInt8]]?) -> ReceiptStatus {
        guard let receipt else { return .missing }
        guard let id, receipt.receipt == id else { return .invalid }
        guard let relayKeys else { return .unchecked }
        return receipt.isSigned(byAnyOf: relayKeys) ? .verified : .invalid
    }
}
