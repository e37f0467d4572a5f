import Foundation
import SealCore
import SealScrub

/// Checks every received attachment with the same detectors the sender's scrubbers use and
/// leaves `NAME.WARNING.txt` beside each one that still carries identifying metadata or
/// could not be checked: the reviewer may forward a file long after this terminal output
/// is gone, and the warning must travel with it. One stderr line per such file.
///
/// Attachment names reach the terminal and the warning only as `seal open` saved them
/// (`UntrustedText.fileName`); what the detectors report comes from inside the file, so it
/// is cleaned too. No sender-chosen text is ever put into a command for the reviewer to run.
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
            case .carries(let reported):
                let found = reported.map { UntrustedText.line($0) }
                let note = writeWarning(path: path, saved: saved, sentRaw: sentRaw, lines: [
                    "It still carries identifying metadata:",
                ] + found.map { "  - \($0)" })
                Terminal.warn("\(envelope): \(how); it still carries \(found.joined(separator: ", "))\(note)")
            case .unchecked(let reported):
                let why = UntrustedText.line(reported)
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
            "Do not pass it on as it is. To make a cleaned copy, if its format is supported, run",
            "  seal scrub FILE --out CLEANED",
            "with FILE replaced by its name, typed by you. This note does not write the name into",
            "the command: the sender chose it, and nothing a sender chose belongs in your shell.",
        ]
        do {
            try AtomicFile.write(Array((text.joined(separator: "\n") + "\n").utf8), to: warning, mode: 0o600)
            return " (see \(shown))"
        } catch {
            return " (could not write \(shown): \(error))"
        }
    }
}
