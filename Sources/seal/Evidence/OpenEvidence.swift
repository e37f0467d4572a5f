import Foundation
import SealCore

/// The evidence part of `seal open` (docs/FORMAT.md §9): custody kept per report, each
/// receipt judged, and the case index rebuilt.
enum OpenEvidence {
    /// After a successful open: keeps the envelope id and receipt in the report's folder
    /// and says on one line what the receipt shows. A failure here is said, not fatal:
    /// the report itself is safely open.
    static func record(_ opened: ReportOpener.Opened, envelope path: String, relayKeys: [[UInt8]]?) {
        do {
            let custody = try ReportCustody.record(folder: opened.folder, envelope: opened.envelope, envelopePath: path)
            guard opened.manifest.kind != .reply else { return }
            if let original = opened.manifest.custody, opened.manifest.kind == .share {
                // The original relay's receipt travels inside the share; it is checked with
                // the same keys, which may or may not include that relay's.
                let status = ReceiptStatus.of(original.receipt, envelope: original.envelope, relayKeys: relayKeys)
                let day = original.day.map { ", day \(UntrustedText.line($0, limit: 10))" } ?? ""
                print("\(path): shared evidence from another organisation: original envelope \(original.envelope?.description ?? "unknown")\(day), original receipt \(status.rawValue), \(original.attachments.count) original attachment(s) (custody in manifest.json)")
            }
            let status = ReceiptStatus.of(custody.receipt, envelope: custody.envelope, relayKeys: relayKeys)
            let day = custody.receipt.map { " (day \(UntrustedText.line($0.day, limit: 10)))" } ?? ""
            print("\(path): receipt \(status.rawValue)\(day)")
        } catch {
            Terminal.warn("\(path): cannot record its custody: \(error)")
        }
    }

    /// Rebuilds `index.json` and `index.csv` in `out`.
    static func rebuildIndex(_ out: String, relayKeys: [[UInt8]]?) throws {
        let entries = try CaseIndex.rebuild(out, relayKeys: relayKeys)
        print("index: \(entries.count) report(s) in \(out)/\(CaseIndex.jsonName) and \(out)/\(CaseIndex.csvName)")
    }
}
