import ArgumentParser
import Foundation
import SealCore

/// `seal share`: re-seals an opened report to a partner organisation, offline
/// (docs/FORMAT.md §10). The partner's bundle is pinned by its fingerprint like any bundle a
/// source uses; the attachments go byte for byte as received, checked against their
/// hashes first, so the partner can match them to the original's custody record.
struct Share: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-seal an opened report to a partner organisation's bundle (offline).")

    @Option(help: "The partner organisation's signed recipient bundle.") var bundle: String
    @OptionGroup var pin: PinOptions
    @Option(help: "The opened report's folder (OUT/thread-*/report-*).") var report: String
    @Option(name: .customLong("attach-only"),
            help: "Pass on only this attachment, by its name in attachments/ (repeatable); default: all.")
    var attachOnly: [String] = []
    @Option(help: "Where to write the envelope (.seal).") var out: String

    func run() throws {
        let partner = try RecipientBundle.verify(path: bundle, pinned: pin.pinned, counters: .standard())
        guard let bytes = try? InputFile.readAll(path: "\(report)/manifest.json", limit: Manifest.maxEncodedSize * 2),
              let original = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else {
            throw CLIError("\(report) is not an opened report (no readable manifest.json)")
        }
        guard original.kind != .reply else { throw CLIError("\(report) is a reply to a source; only reports are shared") }
        let paths = ReportOpener.attachmentPaths(in: report, for: original)
        let saved = paths.map { ($0 as NSString).lastPathComponent }
        for name in attachOnly where !saved.contains(name) {
            throw CLIError("--attach-only \(name): the report has no such attachment (it has: \(saved.joined(separator: ", ")))")
        }
        var attachments: [Attachment] = []
        for (index, file) in original.files.enumerated() where attachOnly.isEmpty || attachOnly.contains(saved[index]) {
            // What leaves must be what was received: a changed file would carry a hash the
            // custody record contradicts.
            let digest = try FileDigest.sha256Hex(ofFile: paths[index])
            guard digest.hex == file.sha256, digest.size == file.size else {
                throw CLIError("\(paths[index]) no longer matches the report's SHA-256 (seal verify names every change); nothing was written")
            }
            let removed = original.scrubbed.first { $0.name == file.name }?.removed ?? []
            attachments.append(Attachment(path: paths[index], name: file.name, type: file.type, removed: removed,
                                          unscrubbed: original.unscrubbed?.contains(file.name) ?? false))
        }
        let custody = ReportCustody.read(folder: report)
        let record = ShareCustody(
            envelope: custody?.envelope ?? original.custody?.envelope, day: custody?.receipt?.day ?? original.custody?.day,
            receipt: custody?.receipt ?? original.custody?.receipt,
            attachments: zip(saved, original.files).map { ShareCustody.File(name: $0, sha256: $1.sha256) })
        var fields: [String: String] = [:]
        for (key, value) in original.fields ?? [:] {
            if (try? ReportFields.check(key: key, value: value)) != nil {
                fields[key] = value
            } else {
                Terminal.warn("field \(UntrustedText.line(key, limit: 64)) is not passed on: it is not a field this seal writes (it stays in \(report)/manifest.json)")
            }
        }
        var writer = try ReportWriter(kind: .share, message: original.message, attachments: attachments, reply: nil,
                                      thread: nil, fields: fields, custody: record)
        let output = try AtomicFile(path: out)
        let length = writer.length
        let progress = Terminal.progress("encrypting")
        try writer.seal(to: partner.reviewers.map(EnvelopeRecipient.init(reviewer:)), suite: .xwing, bundleID: partner.id,
                        into: output, progress: progress.map { p in { p($0, length) } })
        try output.commit()
        print("wrote \(out): shared report with \(attachments.count) of \(original.files.count) attachment(s) for \(partner.reviewers.count) reviewer(s) of organisation \(partner.organisation.fingerprint.hex)")
    }
}
