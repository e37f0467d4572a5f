import ArgumentParser
import Foundation
import SealCore
import SealScrub

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decrypt envelopes on the air-gapped machine into a folder per conversation.")

    @Option(help: "Your decryption identity (NAME.seckey).") var key: String
    @OptionGroup var passphrase: ExistingPassphraseOptions
    @Option(help: "Folder to write the opened reports into.") var out: String
    @Argument(help: "An envelope (.seal) or a folder of them.") var input: String

    func run() throws {
        let identity = try ReviewerIdentity.read(path: key, passphrase: passphrase.provider())
        let envelopes: [String]
        if FileSystem.isDirectory(input) {
            let names = try FileManager.default.contentsOfDirectory(atPath: input).filter { $0.hasSuffix(".seal") }.sorted()
            envelopes = names.map { "\(input)/\($0)" }
            if envelopes.isEmpty { throw CLIError("no .seal files in \(input)") }
        } else {
            envelopes = [input]
        }
        var failures = 0
        var threads = Set<String>()
        for path in envelopes {
            do {
                let opened = try ReportOpener.open(envelope: path, key: identity, into: out,
                                                   progress: Terminal.progress("opening \(path)"))
                let what = opened.alreadyOpened ? "already opened in" : "opened into"
                print("\(path): \(opened.manifest.kind.rawValue) \(what) \(opened.folder) (\(opened.manifest.files.count) attachment(s))")
                AttachmentCheck.run(opened, envelope: path)
                threads.insert((opened.folder as NSString).deletingLastPathComponent)
            } catch {
                failures += 1
                Terminal.error("\(path): \(error)")
            }
        }
        if envelopes.count > 1 { Conversations.summarise(threads) }
        if failures > 0 {
            if envelopes.count > 1 { Terminal.error("\(failures) of \(envelopes.count) envelopes could not be opened") }
            throw ExitCode(1)
        }
    }
}

/// One line per conversation a run touched: everything its `thread-*` folder holds now
/// (earlier runs included), reports before replies, each in name order, so the same folder
/// always reads the same. Envelopes carry no time, so there is no truer order to show.
enum Conversations {
    static func summarise(_ threads: Set<String>) {
        for thread in threads.sorted() {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: thread)) ?? []).sorted()
            let reports = names.filter { $0.hasPrefix("report-") }
            let replies = names.filter { $0.hasPrefix("reply-") }
            let counts = [count(reports.count, "report"), count(replies.count, "reply", plural: "replies")]
                .compactMap { $0 }.joined(separator: ", ")
            print("\(thread): \(counts): \((reports + replies).joined(separator: " "))")
        }
    }

    private static func count(_ n: Int, _ word: String, plural: String? = nil) -> String? {
        n == 0 ? nil : "\(n) \(n == 1 ? word : plural ?? word + "s")"
    }
}

/// Checks every received attachment with the same detectors the sender's scrubbers use and
/// leaves `NAME.WARNING.txt` beside each one that still carries identifying metadata or
/// could not be checked: the reviewer may forward a file long after this terminal output
/// is gone, and the warning must travel with it. One stderr line per such file.
enum AttachmentCheck {
    static func run(_ opened: ReportOpener.Opened, envelope: String) {
        let manifest = opened.manifest
        let unscrubbed = Set(manifest.unscrubbed ?? [])
        let paths = ReportOpener.attachmentPaths(in: opened.folder, for: manifest)
        for (file, path) in zip(manifest.files, paths) {
            let saved = URL(fileURLWithPath: path).lastPathComponent
            let sentRaw = unscrubbed.contains(file.name)
            let result: AttachmentPreparer.Inspection
            do {
                result = try AttachmentPreparer.inspect(path: path)
            } catch {
                result = .unchecked("it could not be read: \(error)")
            }
            let how = sentRaw ? "the source sent \(saved) WITHOUT metadata removal" : "\(saved)"
            switch result {
            case .clean:
                if sentRaw { Terminal.warn("\(envelope): \(how); no identifying metadata was found in it") }
            case .carries(let found):
                let note = writeWarning(path: path, saved: saved, sentRaw: sentRaw, lines: [
                    "It still carries identifying metadata:",
                ] + found.map { "  - \($0)" })
                Terminal.warn("\(envelope): \(how); it still carries \(found.joined(separator: ", "))\(note)")
            case .unchecked(let why):
                let note = writeWarning(path: path, saved: saved, sentRaw: sentRaw, lines: [
                    "It could not be checked for identifying metadata:",
                    "  \(why)",
                    "Treat it as if it could identify the person who sent it.",
                ])
                Terminal.warn("\(envelope): \(how); it could not be checked for metadata and may identify them\(note)")
            }
        }
    }

    /// Returns the " (see ...)" note for the stderr line; an existing file (the report was
    /// opened before) is left as it is.
    private static func writeWarning(path: String, saved: String, sentRaw: Bool, lines: [String]) -> String {
        let warning = path + ".WARNING.txt"
        let shown = "attachments/\(saved).WARNING.txt"
        if FileManager.default.fileExists(atPath: warning) { return " (see \(shown))" }
        var text = ["WARNING: \(saved) may identify the person who sent it.", ""]
        text += lines
        text += [""]
        if sentRaw { text += ["The source chose to send it without metadata removal.", ""] }
        text += [
            "Do not pass it on as it is. To make a cleaned copy, if its format is supported:",
            "  seal scrub '\(saved)' --out 'clean-\(saved)'",
        ]
        do {
            try AtomicFile.write(Array((text.joined(separator: "\n") + "\n").utf8), to: warning, mode: 0o600)
            return " (see \(shown))"
        } catch {
            return " (could not write \(shown): \(error))"
        }
    }
}
