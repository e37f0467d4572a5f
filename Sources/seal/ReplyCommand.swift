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

/// What a reply needs from the report it answers, read from the opened report's
/// `manifest.json` and checked: a hostile source chose every field of it.
struct AnsweredReport {
    let mailbox: String
    let thread: String?
    let recipient: EnvelopeRecipient

    static func read(folder: String) throws -> AnsweredReport {
        guard FileSystem.isDirectory(folder) else {
            throw CLIError("--report \(folder) is not a folder: give a report-* folder that seal open wrote")
        }
        let path = (folder as NSString).appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("\(folder) has no manifest.json: give a report-* folder that seal open wrote (OUT/thread-.../report-...)")
        }
        let bytes = try InputFile.readAll(path: path, limit: 2 * Manifest.maxEncodedSize)
        guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else {
            throw CLIError("\(path) is not a report manifest written by seal open")
        }
        guard manifest.kind == .report else {
            throw CLIError("\(folder) holds a \(manifest.kind.rawValue), not a report: answer the report-* folder of the source's report instead")
        }
        guard let reply = manifest.reply else {
            throw CLIError("the report in \(folder) has no reply block: its source gave no way to answer them")
        }
        guard let key = Base64URL.decode(reply.key, count: 32) else {
            throw CLIError("the report in \(folder) has a malformed reply key; no reply can be sent")
        }
        guard ReplyEnvelope.isValidMailboxID(reply.mailbox) else {
            throw CLIError("the report in \(folder) has a malformed mailbox id; no reply can be sent")
        }
        if let thread = manifest.thread, Base64URL.decode(thread, count: 16) == nil {
            throw CLIError("the report in \(folder) has a malformed thread id; no reply can be sent")
        }
        let recipient: EnvelopeRecipient
        do {
            recipient = try EnvelopeRecipient(replyKey: key)
        } catch {
            throw CLIError("the report in \(folder) names a reply key nobody can hold (\(error)); no reply can be sent")
        }
        return AnsweredReport(mailbox: reply.mailbox, thread: manifest.thread, recipient: recipient)
    }
}

/// The outgoing folder's addressing file: `ID.mailbox` beside `ID.seal`, holding
/// `{"mailbox":"...","v":1}`.
enum OutgoingReply {
    static let maxAddressSize = 4096

    struct Address: Codable {
        var mailbox: String
        var v: Int
    }

    static func addressPath(for envelope: String) -> String {
        String(envelope.dropLast(".seal".count)) + ".mailbox"
    }

    static func writeAddress(mailbox: String, for envelope: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(Address(mailbox: mailbox, v: 1))) + [0x0A]
        try AtomicFile.write(bytes, to: addressPath(for: envelope), mode: 0o600, replaceExisting: true)
    }

    /// The mailbox id in an addressing file, checked.
    static func readAddress(_ path: String) throws -> String {
        let bytes = try InputFile.readAll(path: path, limit: maxAddressSize)
        guard let address = try? JSONDecoder().decode(Address.self, from: Data(bytes)) else {
            throw CLIError("\(path) is not an addressing file ({\"mailbox\":...,\"v\":1})")
        }
        guard address.v == 1 else { throw CLIError("\(path) has version \(address.v); this seal knows version 1") }
        guard ReplyEnvelope.isValidMailboxID(address.mailbox) else {
            throw CLIError("\(path) does not hold a mailbox id (22 base64url characters)")
        }
        return address.mailbox
    }
}
