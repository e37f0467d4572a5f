import Foundation
import SealCore

/// `index.json` and `index.csv` beside the thread folders (docs/FORMAT.md §9): one row per
/// opened report. Both are rebuilt from the report folders on every `seal open`, never
/// updated in place, so opening the same inbox twice leaves one row per report, and an
/// index edited by hand, truncated or deleted comes back whole from the folders.
enum CaseIndex {
    static let jsonName = "index.json"
    static let csvName = "index.csv"

    /// Every opened report under `out`, in a stable order (thread, then folder).
    static func entries(in out: String, relayKeys: [[UInt8]]?) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        let threads = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasPrefix("thread-") }.sorted()
        for thread in threads {
            let threadPath = "\(out)/\(thread)"
            guard FileSystem.isDirectory(threadPath) else { continue }
            for report in ((try? FileManager.default.contentsOfDirectory(atPath: threadPath)) ?? []).sorted()
            where !report.hasPrefix(".") {
                if let entry = IndexEntry.read(folder: "\(threadPath)/\(report)", relative: "\(thread)/\(report)",
                                               relayKeys: relayKeys) {
                    entries.append(entry)
                }
            }
        }
        return entries
    }

    @discardableResult
    static func rebuild(_ out: String, relayKeys: [[UInt8]]?) throws -> [IndexEntry] {
        let entries = entries(in: out, relayKeys: relayKeys)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = UntrustedText.escapingInvisibles(inJSON: Array(try encoder.encode(entries)))
        try writeIfChanged(json + [0x0A], to: "\(out)/\(jsonName)")
        try writeIfChanged(csv(entries), to: "\(out)/\(csvName)")
        return entries
    }

    /// Opening what was already opened changes nothing on disk, not even a file time.
    private static func writeIfChanged(_ bytes: [UInt8], to path: String) throws {
        if let old = try? InputFile.readAll(path: path, limit: bytes.count + 1), old == bytes { return }
        try AtomicFile.write(bytes, to: path, mode: 0o600, replaceExisting: true)
    }

    static let csvHeader = ["thread", "envelope", "day", "receipt", "kind"] + ReportFields.keys + ["attachments", "folder"]

    static func csv(_ entries: [IndexEntry]) -> [UInt8] {
        let rows = entries.map { e in
            [e.thread, e.envelope, e.day, e.receipt.rawValue, e.kind]
                + ReportFields.keys.map { e.fields[$0] ?? "" }
                + [e.attachments.map { "\($0.name) \($0.sha256)" }.joined(separator: "; "), e.folder]
        }
        // A cell shows the sender's text on one line, cleaned as a terminal line is.
        return CSVTable.encode(header: csvHeader,
                               rows: rows.map { $0.map { UntrustedText.line($0, limit: 1 << 20) } })
    }
}
