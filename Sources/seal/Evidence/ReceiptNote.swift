import Foundation
import SealAPI
import SealCore

/// What `seal submit` tells a source about an accepted report, and the receipt file it
/// keeps for them (docs/API.md "Receipts"): the id proves which bytes were sent, the day
/// and the relay's signature when and to whom, without the source keeping the report.
enum ReceiptNote {
    /// `receipt: ID`, then `day: YYYY-MM-DD` from a relay that signs receipts; with a
    /// prefix (`PATH: `), `receipt ID` and `day DAY`, as `submit --envelope` always printed.
    static func lines(_ receipt: Receipt, prefix: String = "") -> [String] {
        let colon = prefix.isEmpty ? ":" : ""
        var lines = ["\(prefix)receipt\(colon) \(receipt.receipt)"]
        if let day = receipt.day, receipt.signed != nil {
            lines.append("\(prefix)day\(colon) \(UntrustedText.line(day, limit: 10))")
        } else {
            lines.append("\(prefix)(the relay did not sign this receipt: it is older than signed receipts)")
        }
        return lines
    }

    /// Writes the receipt as the relay gave it (mode 0600: it links the source to a report).
    static func save(_ receipt: Receipt, to path: String) throws {
        let bytes: [UInt8]
        if let signed = receipt.signed {
            bytes = try signed.encoded()
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            bytes = Array(try encoder.encode(receipt))
        }
        try AtomicFile.write(bytes + [0x0A], to: path, mode: 0o600, replaceExisting: true)
        Terminal.note("wrote the receipt to \(path)")
    }
}
