import ArgumentParser
import Foundation
import SealCore

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download every envelope queued for you on the relay (online machine; opens nothing).",
        discussion: """
            Each envelope is written to OUT/ID.seal, synced to disk and checked against its id \
            before the relay is told it may forget it. Interrupt it at any time and run it \
            again: nothing is lost, and nothing is fetched twice into the same folder.
            """)

    @OptionGroup var relay: RelayOptions
    @Option(help: "Your fetch credential (NAME.fetch.seckey).") var credential: String
    @OptionGroup var passphrase: ExistingPassphraseOptions
    @Option(help: "Folder to store the envelopes in (created, mode 0700, if missing).") var out: String

    private struct Tally {
        var fetched = 0
        var present = 0
        var gone = 0
        var failed = 0

        var summary: String {
            var line = "fetched \(fetched), already present \(present)"
            if gone > 0 { line += ", no longer on the relay \(gone)" }
            if failed > 0 { line += ", failed \(failed)" }
            return line
        }
    }

    func validate() throws { try relay.requireRelay() }

    func run() async throws {
        let key = try SigningKey.read(path: credential, kind: .fetchCredential(name: ""), passphrase: passphrase.provider())
        try prepareOutputFolder()
        var tally = Tally()
        do {
            try await RelayClient.with(relay) { client in
                let inbox = try await client.inbox(key: key)
                for line in inbox.refused {
                    tally.failed += 1
                    Terminal.error(line)
                }
                for entry in inbox.entries {
                    try await fetch(entry, client: client, key: key, tally: &tally)
                }
            }
        } catch {
            // The connection or the credential failed: say what was done before it did.
            if tally.fetched + tally.present + tally.gone + tally.failed > 0 { print(tally.summary) }
            throw error
        }
        print(tally.summary)
        if tally.failed > 0 {
            throw CLIError("\(tally.failed) envelope(s) could not be fetched or acknowledged; run seal fetch again")
        }
    }

    /// One inbox entry. Problems with this envelope alone are reported and counted; a
    /// broken connection or a refused credential ends the run (every later request would
    /// fail the same way).
    private func fetch(_ entry: RelayClient.InboxEntry, client: RelayClient, key: SigningKey,
                       tally: inout Tally) async throws {
        let name = "\(entry.id).seal"
        let path = (out as NSString).appendingPathComponent(name)
        do {
            if FileManager.default.fileExists(atPath: path) {
                // An earlier run stored it (synced, checked) but was stopped before the relay
                // heard back. Check it is that envelope, then finish the job.
                guard try EnvelopeID.of(file: path) == entry.id else {
                    throw CLIError("\(path) exists but is not envelope \(entry.id); left alone, and the relay keeps its copy")
                }
                try await client.acknowledge(entry.id, key: key)
                tally.present += 1
                print("\(name): already present")
                return
            }
            let progress = entry.size > 0 ? Terminal.progress("fetching \(name)") : nil
            switch try await client.download(entry, key: key, to: path, progress: progress) {
            case .gone:
                tally.gone += 1
                print("\(name): no longer on the relay (expired, or fetched by another run)")
                return
            case .stored(let receiptHeader):
                tally.fetched += 1
                print("\(name): fetched (\(entry.size) bytes)")
                FetchedReceipt.keep(receiptHeader, for: entry.id, beside: path)
            }
            // Only now, with the file synced under its name, may the relay forget it.
            try await client.acknowledge(entry.id, key: key)
        } catch let error as RelayTransportError {
            throw error
        } catch let error as RelayRefusal where error.isAuthenticationFailure {
            throw error
        } catch {
            tally.failed += 1
            Terminal.error("\(name): \(error)")
        }
    }

    /// Creates the folder if needed and removes temporary files an interrupted run left
    /// (`.ID.seal.RANDOM.partial`): they were never complete, never acknowledged, and the
    /// relay still holds every one of them.
    private func prepareOutputFolder() throws {
        if !FileManager.default.fileExists(atPath: out) {
            try FileSystem.makePrivateDirectory(out)
            return
        }
        guard FileSystem.isDirectory(out) else { throw CLIError("--out \(out) exists and is not a folder") }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        for name in names where Self.isStalePartial(name) {
            try? FileManager.default.removeItem(atPath: (out as NSString).appendingPathComponent(name))
        }
    }

    /// `.` + 22-character id + `.seal.` + 12 hex digits + `.partial`: exactly AtomicFile's
    /// temporary name for one of our downloads, and nothing else.
    static func isStalePartial(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[2] == "seal", parts[4] == "partial",
              EnvelopeID(String(parts[1])) != nil, parts[3].utf8.count == 12,
              parts[3].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return false }
        return true
    }
}
