import ArgumentParser
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// `seal reply`: a reviewer's answer to a source, made on the air-gapped machine (docs/FORMAT.md §5,
/// §8). It reads the opened report's manifest for the source's reply key, mailbox and
/// thread, seals the reply to that key alone, and leaves it in an outgoing folder for
/// `seal push-replies` on the online machine.
struct ReplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract: "Encrypt an answer to the source of an opened report (air-gapped machine, no network).",
        discussion: """
            The reply is encrypted to the source's reply key from the report's manifest, so only \
            the source, with their codename, can read it: not the relay, and not you once it is \
            sealed (keep your own notes). It is not signed. --key is only checked to load: it \
            shows the person replying holds a reviewer key on this machine. --out is an outgoing \
            FOLDER: each reply becomes ID.seal plus ID.mailbox (its address on the relay); carry \
            the folder to the online machine and run `seal push-replies`.
            """)

    @Option(help: "Your decryption identity (NAME.seckey); loaded to check you hold it, not used to sign.")
    var key: String
    @OptionGroup var passphrase: ExistingPassphraseOptions
    @Option(help: "The opened report to answer: a report-* folder `seal open` wrote (it holds manifest.json).")
    var report: String
    @Option(help: "Read the reply text from this file.") var messageFile: String?
    @Option(help: "The reply text.") var message: String?
    @Option(name: .customLong("attach"), help: "A file to send with the reply (repeatable); its metadata is removed first.")
    var attachments: [String] = []
    @Option(name: .customLong("allow-unscrubbed"),
            help: "Send this attachment as it is, WITHOUT removing its metadata (repeatable).")
    var allowUnscrubbed: [String] = []
    @Option(help: "Outgoing folder (created, mode 0700, if missing): gets ID.seal and ID.mailbox.")
    var out: String

    func validate() throws {
        if messageFile != nil && message != nil { throw ValidationError("give --message-file or --message, not both") }
        if messageFile == nil && message == nil { throw ValidationError("a reply needs --message-file (or --message)") }
        for f in allowUnscrubbed where !attachments.contains(f) {
            throw ValidationError("--allow-unscrubbed \(f) names a file that is not attached")
        }
    }

    func run() throws {
        // Everything that can be wrong with the report is found before a passphrase is asked.
        let answered = try AnsweredReport.read(folder: report)
        _ = try ReviewerIdentity.read(path: key, passphrase: passphrase.provider())
        if FileManager.default.fileExists(atPath: out) && !FileSystem.isDirectory(out) {
            throw CLIError("--out \(out) exists and is not a folder (seal reply writes into an outgoing folder)")
        }
        let contents = try ReportSealer.Contents(
            message: { [message, messageFile] in
                if let message { return message }
                return try ReportSealer.readMessage(file: messageFile ?? "")
            },
            attachments: attachments, allowUnscrubbed: allowUnscrubbed)
        var writer = try ReportWriter(kind: .reply, message: contents.message, attachments: contents.attachments,
                                      reply: nil, thread: answered.thread)
        ReportSealer.warnUnscrubbed(writer.manifest)
        try FileSystem.makePrivateDirectory(out)

        // The file's name is its id, known only once it is sealed: seal under a hidden name,
        // write the address, then give the envelope its name. An interrupted run leaves at
        // most a hidden file (or an address without an envelope) that push-replies skips.
        let hidden = (out as NSString).appendingPathComponent(".sealing-\(String(UInt64.random(in: .min ... .max), radix: 16)).seal")
        defer { unlink(hidden) }
        let output = try AtomicFile(path: hidden, mode: 0o600)
        let progress = Terminal.progress("encrypting")
        let length = writer.length
        try writer.seal(to: [answered.recipient], suite: .x25519, bundleID: ReplyEnvelope.bundleID, into: output,
                        progress: progress.map { p in { p($0, length) } })
        try output.commit()
        let id = try EnvelopeID.of(file: hidden)
        let final = (out as NSString).appendingPathComponent("\(id).seal")
        try OutgoingReply.writeAddress(mailbox: answered.mailbox, for: final)
        guard !FileManager.default.fileExists(atPath: final) else { throw CLIError("\(final) already exists") }
        guard rename(hidden, final) == 0 else {
            throw CLIError("cannot move the reply into \(final): \(String(cString: strerror(errno)))")
        }
        try FileSystem.syncDirectory(out)
        let copy = try keepCopy(of: writer.manifest, attachments: contents.attachments, id: "\(id)")
        let size = (try? InputFile(path: final).size()) ?? 0
        print("wrote \(final) (\(size) bytes): a reply for mailbox \(answered.mailbox)\(answered.thread.map { " in thread \($0)" } ?? "")")
        Terminal.note("your copy, readable here only: \(copy)")
        Terminal.note("only the source can read it, with their codename; it is not signed")
        Terminal.note("next, on the online machine: seal push-replies --relay URL --credential NAME.fetch.seckey \(out)")
    }
}

extension ReplyCommand {
    /// Once sealed, a reply opens only with the source's codename; the reviewer keeps a
    /// plaintext copy beside the report it answers, on this air-gapped machine, so the
    /// thread folder reads as the whole conversation.
    func keepCopy(of manifest: Manifest, attachments: [Attachment], id: String) throws -> String {
        let thread = URL(fileURLWithPath: report).standardizedFileURL.deletingLastPathComponent().path
        let folder = "\(thread)/reply-\(id)"
        try FileSystem.makePrivateDirectory("\(folder)/attachments")
        try AtomicFile.write(Array(manifest.message.utf8), to: "\(folder)/message.txt", mode: 0o600, replaceExisting: true)
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try pretty.encode(manifest)) + [0x0A], to: "\(folder)/manifest.json", mode: 0o600,
                             replaceExisting: true)
        for (attachment, path) in zip(attachments, ReportOpener.attachmentPaths(in: folder, for: manifest)) {
            try AtomicFile.write(InputFile.readAll(path: attachment.path, limit: Int.max - 1), to: path, mode: 0o600,
                                 replaceExisting: true)
        }
        return folder
    }
}
