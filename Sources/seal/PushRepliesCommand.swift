import ArgumentParser
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// `seal push-replies`: uploads the replies `seal reply` left in an outgoing folder, on the
/// reviewer's online machine. Each reply is removed only after the relay's receipt names
/// exactly its bytes, so an interrupted run loses nothing and a second run finishes the job.
struct PushReplies: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push-replies",
        abstract: "Upload the replies in an outgoing folder made by `seal reply` (online machine).",
        discussion: """
            For each ID.seal with its ID.mailbox, checks that it is a reply envelope (one X25519 \
            stanza) whose bytes hash to ID, uploads it signed with your fetch credential, and \
            deletes both files once the relay's receipt matches. Interrupt it at any time and run \
            it again.
            """)

    @OptionGroup var relay: RelayOptions
    @Option(help: "Your fetch credential (NAME.fetch.seckey).") var credential: String
    @OptionGroup var passphrase: ExistingPassphraseOptions
    @Argument(help: "The outgoing folder `seal reply --out` wrote.") var folder: String

    struct Item {
        let id: EnvelopeID
        let envelope: String
        let address: String
        let mailbox: String
    }

    private struct Tally {
        var pushed = 0
        var failed = 0

        var summary: String {
            var line = "pushed \(pushed)"
            if failed > 0 { line += ", failed \(failed)" }
            return line
        }
    }

    func validate() throws { try relay.requireRelay() }

    func run() async throws {
        guard FileSystem.isDirectory(folder) else { throw CLIError("\(folder) is not a folder") }
        var tally = Tally()
        // Every file is checked before the relay hears from us.
        let items = Self.scan(folder, failed: &tally.failed)
        if items.isEmpty {
            print(tally.failed == 0 ? "nothing to push in \(folder)" : tally.summary)
            if tally.failed > 0 { throw CLIError("\(tally.failed) file(s) in \(folder) are not replies that can be pushed") }
            return
        }
        let key = try SigningKey.read(path: credential, kind: .fetchCredential(name: ""), passphrase: passphrase.provider())
        do {
            try await RelayClient.with(relay) { client in
                for item in items {
                    try await push(item, client: client, key: key, tally: &tally)
                }
            }
        } catch {
            print(tally.summary)
            throw error
        }
        print(tally.summary)
        if tally.failed > 0 {
            throw CLIError("\(tally.failed) reply(ies) were not pushed and are still in \(folder); run seal push-replies again")
        }
    }

    /// One reply. A refusal of this reply alone is reported and counted; a broken
    /// connection, a refused credential or a full relay ends the run.
    private func push(_ item: Item, client: RelayClient, key: SigningKey, tally: inout Tally) async throws {
        let name = "\(item.id).seal"
        do {
            let receipt = try await client.pushReply(envelope: item.envelope, mailbox: item.mailbox, key: key,
                                                     progressLabel: "pushing \(name)")
            guard receipt == item.id else {
                throw CLIError("the relay's receipt \(receipt) is not the reply's id; kept")
            }
            // Only now may the reply leave this machine's folder.
            guard unlink(item.envelope) == 0 || errno == ENOENT else {
                throw CLIError("delivered, but cannot remove it: \(String(cString: strerror(errno)))")
            }
            unlink(item.address)
            try FileSystem.syncDirectory(folder)
            tally.pushed += 1
            print("\(name): delivered (receipt \(receipt))")
        } catch let error as RelayTransportError {
            throw error
        } catch let error as RelayRefusal where error.isAuthenticationFailure || error.isRelayFull {
            throw error
        } catch {
            tally.failed += 1
            Terminal.error("\(name): \(error)")
        }
    }

    /// The replies ready to push, in name order. Anything that is not one (a `.seal` not
    /// named by its id, no addressing file, not a reply envelope, bytes that do not hash to
    /// the name, e.g. a copy still in progress) is reported, counted in `failed` and left alone.
    static func scan(_ folder: String, failed: inout Int) -> [Item] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var items: [Item] = []
        for name in names where name.hasSuffix(".seal") {
            let envelope = (folder as NSString).appendingPathComponent(name)
            do {
                guard let id = EnvelopeID(String(name.dropLast(".seal".count))) else {
                    throw CLIError("not named ID.seal as seal reply names replies; left alone")
                }
                let address = OutgoingReply.addressPath(for: envelope)
                guard FileManager.default.fileExists(atPath: address) else {
                    throw CLIError("no \(id).mailbox beside it, so its mailbox is unknown; left alone")
                }
                let mailbox = try OutgoingReply.readAddress(address)
                let head: EnvelopeHead
                do {
                    head = try EnvelopeHead.read(from: InputFile(path: envelope))
                    try head.requireReplyShape()
                } catch let error as FileError {
                    throw error
                } catch {
                    throw CLIError("not a reply envelope: \(error); left alone")
                }
                guard try EnvelopeID.of(file: envelope) == id else {
                    throw CLIError("its bytes do not hash to its name (damaged, or still being copied); left alone")
                }
                items.append(Item(id: id, envelope: envelope, address: address, mailbox: mailbox))
            } catch {
                failed += 1
                Terminal.error("\(name): \(error)")
            }
        }
        let stems = Set(names.filter { $0.hasSuffix(".seal") }.map { $0.dropLast(".seal".count) })
        for name in names where name.hasSuffix(".mailbox") && !stems.contains(name.dropLast(".mailbox".count)) {
            Terminal.note("\(name): no envelope beside it (already pushed, or not copied); left alone")
        }
        return items
    }
}
