import ArgumentParser
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

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
