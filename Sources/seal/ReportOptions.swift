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
    @Option(name: .customLong("field"),
            help: "Structured testimony, KEY=VALUE (repeatable): workplace, location, employer, buyer, product, label, dates or shipment; at most 2 KiB each.")
    var fieldAssignments: [String] = []
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
            || !fieldAssignments.isEmpty
    }

    /// The `--field` values, checked: a bad one is refused with exit 1 (never cut or
    /// cleaned), before any file is read or the relay contacted.
    func fields() throws -> [String: String] {
        var fields: [String: String] = [:]
        for assignment in fieldAssignments {
            let (key, value): (String, String)
            do {
                (key, value) = try ReportFields.parse(assignment: assignment)
            } catch {
                throw CLIError("\(error); nothing was encrypted")
            }
            guard fields[key] == nil else { throw CLIError("--field \(key) is given twice; nothing was encrypted") }
            fields[key] = value
        }
        return fields
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
