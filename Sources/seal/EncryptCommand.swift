import ArgumentParser
import Foundation
import SealCore
import SealScrub

#if canImport(Glibc)
import Glibc
#endif

/// What a report says: shared by `encrypt` now and `submit` later.
struct ReportOptions: ParsableArguments {
    @Option(help: "Read the message text from this file.") var messageFile: String?
    @Option(help: "The message text.") var message: String?
    @Option(name: .customLong("attach"), help: "A file to attach (repeatable); its metadata is removed first.")
    var attachments: [String] = []
    @Option(name: .customLong("allow-unscrubbed"),
            help: "Send this attachment as it is, WITHOUT removing its metadata (repeatable); needed for formats that cannot be cleaned.")
    var allowUnscrubbed: [String] = []
    @Option(help: "Codename file: reused if it exists, else a new codename is written there (mode 0600).")
    var codenameFile: String?
    @Option(help: "Language to show a new codename in: english, korean or chinese.")
    var language: String = "english"

    func validate() throws {
        if messageFile != nil && message != nil { throw ValidationError("give --message-file or --message, not both") }
        if CodenameLanguage(tag: language) == nil { throw ValidationError("--language must be english, korean or chinese") }
        for f in allowUnscrubbed where !attachments.contains(f) {
            throw ValidationError("--allow-unscrubbed \(f) names a file that is not attached")
        }
    }

    /// A report needs something in it. Separate from `validate()` because `submit
    /// --envelope` takes these options' place with finished envelopes.
    func requireContent() throws {
        if messageFile == nil && message == nil && attachments.isEmpty {
            throw ValidationError("nothing to send: give --message, --message-file or --attach")
        }
    }

    /// True when any option that describes a new report was given (`--language` aside: it
    /// has a default).
    var describesReport: Bool {
        messageFile != nil || message != nil || !attachments.isEmpty || !allowUnscrubbed.isEmpty || codenameFile != nil
    }

    func messageText() throws -> String {
        if let message { return message }
        guard let messageFile else { return "" }
        return try ReportSealer.readMessage(file: messageFile)
    }

    /// The codename to sign this report with, and whether it is new (so it must be shown).
    func codename() throws -> (Codename, isNew: Bool) {
        let display = CodenameLanguage(tag: language) ?? .english
        guard let codenameFile else { return (Codename.generate(language: display), true) }
        if FileManager.default.fileExists(atPath: codenameFile) {
            let bytes = try InputFile.readAll(path: codenameFile, limit: 4096)
            return (try Codename(parsing: String(decoding: bytes, as: UTF8.self)), false)
        }
        return (Codename.generate(language: display), true)
    }

    /// Writes a new codename to `--codename-file`, only once the report it belongs to was
    /// written: a refused report must not leave a codename behind.
    func save(newCodename codename: Codename) throws {
        guard let codenameFile else { return }
        let display = CodenameLanguage(tag: language) ?? .english
        try AtomicFile.write(Array((codename.phrase(in: display) + "\n").utf8), to: codenameFile, mode: 0o600)
        Terminal.note("wrote your new codename to \(codenameFile) (mode 0600)")
    }

}

/// Options that pin the organisation a bundle must come from.
struct PinOptions: ParsableArguments {
    @Option(help: "The organisation's fingerprint (64 hex characters), from a source you trust.")
    var orgFingerprint: String

    func validate() throws {
        if Fingerprint(hex: orgFingerprint) == nil { throw ValidationError(BundleError.invalidFingerprint.description) }
    }

    var pinned: Fingerprint {
        get throws {
            guard let fp = Fingerprint(hex: orgFingerprint) else { throw BundleError.invalidFingerprint }
            return fp
        }
    }
}

struct Encrypt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encrypt a report offline to the reviewers of a bundle (no network).")

    @Option(help: "The organisation's signed recipient bundle.") var bundle: String
    @OptionGroup var pin: PinOptions
    @OptionGroup var report: ReportOptions
    @Option(help: "Where to write the envelope (.seal).") var out: String

    func validate() throws {
        try report.requireContent()
    }

    func run() throws {
        let verified = try RecipientBundle.verify(path: bundle, pinned: pin.pinned, counters: .standard())
        let (codename, isNew) = try report.codename()
        let sealed = try ReportSealer.seal(report: report, codename: codename, bundle: verified, to: out)
        if isNew { try report.save(newCodename: codename) }
        print("wrote \(out) (\(sealed) bytes) for \(verified.reviewers.count) reviewer(s)")
        ReportSealer.showIfNew(codename, isNew: isNew, report: report)
    }
}

/// Builds the report and seals it: the part `encrypt` and `submit` share.
enum ReportSealer {
    /// What goes into the report, read and prepared (scrubbed or refused) before anything
    /// else happens, so `submit` fails on a bad attachment before it contacts the relay.
    /// Scrubbed copies live in a private folder that goes with this object.
    final class Contents {
        let message: String
        let attachments: [Attachment]
        private let folder: String

        init(message readMessage: () throws -> String, attachments paths: [String], allowUnscrubbed: [String]) throws {
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
                          allowUnscrubbed: report.allowUnscrubbed)
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
                Terminal.note("\(prepared.name): removed \(prepared.removed.joined(separator: ", "))")
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
                                      attachments: contents.attachments, reply: secrets.replyAddress, thread: secrets.thread)
        warnUnscrubbed(writer.manifest)
        let output = try AtomicFile(path: out)
        let progress = Terminal.progress("encrypting")
        let length = writer.length
        try writer.seal(to: bundle.reviewers.map(EnvelopeRecipient.init(reviewer:)), suite: .xwing, bundleID: bundle.id,
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
