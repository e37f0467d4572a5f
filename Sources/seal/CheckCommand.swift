import ArgumentParser
import Foundation
import SealCore

/// `seal check`: a source reads the replies waiting for them (docs/FORMAT.md §5 and README.md). Everything
/// comes from the codename: the mailbox secret shown to the relay and the key that opens
/// the replies. Nothing is kept on the device unless --out asks for it.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the replies to your reports, with your codename.",
        discussion: """
            The codename is checked before any request is made. The relay's recipient bundle is \
            checked against --org-fingerprint before your mailbox is asked for, so you know you \
            are talking to the organisation's relay. Replies are printed; with --out they are \
            also saved, attachments included, in a folder per conversation. Replies stay on the \
            relay until they expire, so you can read them again, from another device too.
            """)

    @OptionGroup var relay: RelayOptions
    @OptionGroup var pin: PinOptions
    @Option(help: "The file holding your codename (12 words).") var codenameFile: String
    @Option(help: "Also save the replies and their attachments into this folder (created, mode 0700).")
    var out: String?
    @Option(help: ArgumentHelp(
        "A bundle the organisation signed: its relays are tried after --relay, in order.",
        discussion: """
            A relay that cannot be reached, fails TLS or answers 5xx is skipped. Without --bundle, the \
            last bundle seal verified for this organisation is used (kept in its state directory).
            """))
    var bundle: String?

    private struct Tally {
        var read = 0
        var failed = 0
    }

    func run() async throws {
        // A mistyped codename must never reach the relay: it would ask for someone else's
        // mailbox (or none), and the answer would look like "no replies".
        let bytes = try InputFile.readAll(path: codenameFile, limit: 4096)
        let secrets = try Codename(parsing: String(decoding: bytes, as: UTF8.self)).secrets()
        let identity = secrets.replyIdentity
        if let out, FileManager.default.fileExists(atPath: out), !FileSystem.isDirectory(out) {
            throw CLIError("--out \(out) exists and is not a folder")
        }
        let pinned = try pin.pinned
        var tally = Tally()
        let relays = try RelayFailover(options: relay, bundle: bundle, pinned: pinned)
        _ = try await relays.run { client in
            _ = try await client.verifiedBundle(pinned: pinned)
            let mailbox = try await client.mailbox(secrets: secrets)
            for line in mailbox.refused {
                tally.failed += 1
                Terminal.error(line)
            }
            // The relay lists replies in random order and nothing in a reply carries a time:
            // the id order is at least the same on every run.
            let entries = mailbox.entries.sorted { $0.id.description < $1.id.description }
            if entries.isEmpty {
                if tally.failed == 0 { print("no replies yet") }
                return
            }
            try await PrivateTemporaryDirectory.with { dir in
                for (index, entry) in entries.enumerated() {
                    print(index == 0 ? "" : "\n", terminator: "")
                    print("reply \(index + 1) of \(entries.count) (\(entry.id)):")
                    do {
                        try await read(entry, client: client, secrets: secrets, identity: identity, dir: dir)
                        tally.read += 1
                    } catch let error as RelayTransportError {
                        throw error
                    } catch {
                        tally.failed += 1
                        Terminal.error("reply \(entry.id): \(error)")
                    }
                }
            }
        }
        if tally.failed > 0 {
            throw CLIError("\(tally.failed) reply(ies) could not be read; the others are shown above")
        }
    }

    private func read(_ entry: RelayClient.InboxEntry, client: RelayClient, secrets: CodenameSecrets,
                      identity: ReplyIdentity, dir: String) async throws {
        let path = "\(dir)/\(entry.id).seal"
        switch try await client.downloadReply(entry, secrets: secrets, to: path,
                                               progress: entry.size > 0 ? Terminal.progress("fetching") : nil) {
        case .gone:
            print("  (it expired on the relay just now)")
            return
        case .stored:
            break
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            try EnvelopeHead.read(from: InputFile(path: path)).requireReply(to: identity)
        } catch EnvelopeError.notAddressedToYou {
            throw CLIError("it is not addressed to your codename's reply key; ignored")
        }
        let opened = try ReportOpener.open(envelope: path, key: identity, into: out ?? "\(dir)/opened")
        guard opened.manifest.kind == .reply else {
            if !opened.alreadyOpened { try? FileManager.default.removeItem(atPath: opened.folder) }
            throw CLIError("it holds a \(opened.manifest.kind.rawValue), not a reply; ignored")
        }
        let manifest = opened.manifest
        var message = manifest.message
        if message.hasSuffix("\n") { message.removeLast() }
        print(UntrustedText.lines(message))
        if !manifest.files.isEmpty {
            let list = manifest.files.map { "\(UntrustedText.line($0.name)) (\($0.size) bytes)" }.joined(separator: ", ")
            print(out == nil ? "attachments (not saved; use --out DIR to save them): \(list)" : "attachments: \(list)")
        }
        if out != nil {
            print(opened.alreadyOpened ? "already saved in \(opened.folder)" : "saved in \(opened.folder)")
        } else {
            try? FileManager.default.removeItem(atPath: opened.folder)
        }
    }
}
