import ArgumentParser
import Foundation
import SealCore
import SealScrub

#if canImport(Glibc)
import Glibc
#endif

/// Builds the report and seals it: the part `encrypt` and `submit` share.
enum ReportSealer {
    /// What goes into the report, read and prepared (scrubbed or refused) before anything
    /// else happens, so `submit` fails on a bad attachment before it contacts the relay.
    /// Scrubbed copies live in a private folder that goes with this object.
    final class Contents {
        let message: String
        let attachments: [Attachment]
        let fields: [String: String]
        private let folder: String

        init(message readMessage: () throws -> String, attachments paths: [String], allowUnscrubbed: [String],
             fields: [String: String] = [:]) throws {
            self.fields = fields
            folder = try PrivateTemporaryDirectory.make()
            do {
                message = try readMessage()
                attachments = try ReportSealer.prepare(paths, allowUnscrubbed: allowUnscrubbed, workDirectory: folder)
            } catch {
                try? FileManager.default.removeItem(atPath: folder)
                throw error
            }
        }

        convenience init(_ report: ReportOptions) throws {
            try self.init(message: report.messageText, attachments: report.attachments,
                          allowUnscrubbed: report.allowUnscrubbed, fields: report.fields())
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }
    }

    static func contents(of report: ReportOptions) throws -> Contents { try Contents(report) }

    /// A message file: UTF-8 text, bounded so it fits a manifest.
    static func readMessage(file: String) throws -> String {
        let bytes = try InputFile.readAll(path: file, limit: Manifest.maxEncodedSize / 2)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CLIError("\(file) is not UTF-8 text")
        }
        return text
    }

    /// Cleans every attachment into `workDirectory` and tells the sender, per file, what was
    /// removed: they should know what their photo gave away, and that it no longer does.
    static func prepare(_ paths: [String], allowUnscrubbed: [String], workDirectory: String) throws -> [Attachment] {
        try paths.map { path in
            let prepared = try AttachmentPreparer.prepare(path: path, allowUnscrubbed: allowUnscrubbed.contains(path),
                                                          workDirectory: workDirectory)
            if !prepared.removed.isEmpty {
                Terminal.note(UntrustedText.line("\(prepared.name): removed \(prepared.removed.joined(separator: ", "))", limit: 4000))
            }
            return prepared
        }
    }

    /// Says, per file, what goes out without metadata removal.
    static func warnUnscrubbed(_ manifest: Manifest) {
        for s in manifest.unscrubbed ?? [] {
            Terminal.warn("\(s) is sent WITHOUT metadata removal, as you asked")
        }
    }

    static func seal(report: ReportOptions, codename: Codename, bundle: RecipientBundle, to out: String) throws -> Int {
        try seal(contents(of: report), codename: codename, bundle: bundle, to: out)
    }

    static func seal(_ contents: Contents, codename: Codename, bundle: RecipientBundle, to out: String) throws -> Int {
        let secrets = codename.secrets()
        var writer = try ReportWriter(kind: .report, message: contents.message,
                                      attachments: contents.attachments, reply: secrets.replyAddress, thread: secrets.thread,
                                      fields: contents.fields)
        warnUnscrubbed(writer.manifest)
        let output = try AtomicFile(path: out)
        let progress = Terminal.progress("encrypting")
        let length = writer.length
        let recipients = SealingRecipients(bundle: bundle, month: EpochMonth.containing(Date()))
        for notice in recipients.notices { Terminal.note("notice: \(notice)") }
        try writer.seal(to: recipients.keys.map(EnvelopeRecipient.init(reviewer:)), suite: .xwing, bundleID: bundle.id,
                        into: output, progress: progress.map { p in { p($0, length) } })
        try output.commit()
        return (try? InputFile(path: out).size()) ?? 0
    }

    /// A new codename is shown once, when no --codename-file keeps it: the source must
    /// write it down to read replies.
    static func showIfNew(_ codename: Codename, isNew: Bool, report: ReportOptions) {
        guard isNew && report.codenameFile == nil else { return }
        let display = CodenameLanguage(tag: report.language) ?? .english
        print("codename (write it down and keep it secret; you need it to read replies):")
        print("  \(codename.phrase(in: display))")
    }
}
