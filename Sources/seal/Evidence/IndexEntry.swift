import Foundation
import SealCore

/// One opened report as the case index lists it (docs/FORMAT.md §9).
struct IndexEntry: Codable, Equatable {
    struct File: Codable, Equatable {
        var name: String
        var type: String
        var size: Int
        var sha256: String
    }

    /// For a shared report: the original's custody as the sharing organisation sent it.
    struct Original: Codable, Equatable {
        var envelope: String
        var day: String
        var receipt: ReceiptStatus
        var attachments: [ShareCustody.File]
    }

    var thread: String
    var envelope: String
    var day: String
    var receipt: ReceiptStatus
    var kind: String
    var fields: [String: String]
    var attachments: [File]
    /// The report's folder, relative to the index.
    var folder: String
    var original: Original?

    /// Reads one report folder; nil when it is not a complete opened report.
    static func read(folder: String, relative: String, relayKeys: [[UInt8]]?) -> IndexEntry? {
        guard let bytes = try? InputFile.readAll(path: "\(folder)/manifest.json", limit: Manifest.maxEncodedSize * 2),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else { return nil }
        let custody = ReportCustody.read(folder: folder)
        let saved = ReportOpener.attachmentPaths(in: folder, for: manifest).map { ($0 as NSString).lastPathComponent }
        let status = ReceiptStatus.of(custody?.receipt, envelope: custody?.envelope, relayKeys: relayKeys)
        return IndexEntry(
            thread: manifest.thread ?? "none", envelope: custody?.envelope.description ?? "",
            day: custody?.receipt.map(\.day) ?? "", receipt: status, kind: manifest.kind.rawValue,
            fields: manifest.fields ?? [:],
            attachments: zip(manifest.files, saved).map { File(name: $1, type: $0.type, size: $0.size, sha256: $0.sha256) },
            folder: relative,
            original: manifest.custody.map { c in
                Original(envelope: c.envelope?.description ?? "", day: c.day ?? "",
                         receipt: ReceiptStatus.of(c.receipt, envelope: c.envelope, relayKeys: relayKeys),
                         attachments: c.attachments)
            })
    }
}
