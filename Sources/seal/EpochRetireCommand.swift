import ArgumentParser
import Foundation
import SealCore

struct EpochRetire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire",
        abstract: "Destroy the secrets of every epoch before a month: what was sealed to them can then never be opened.")

    @Option(help: "Your NAME.epochs.seckey.") var epochs: String
    @OptionGroup var passphrase: ExistingPassphraseOptions
    @Option(help: "Retire every epoch before this month (YYYY-MM); at latest this UTC month.") var before: String

    func validate() throws {
        guard EpochMonth(before) != nil else { throw ValidationError("--before must be a month written YYYY-MM") }
    }

    func run() throws {
        guard let month = EpochMonth(before) else { throw ValidationError("--before must be a month written YYYY-MM") }
        let now = EpochMonth.containing(Date())
        guard month <= now else {
            throw CLIError("--before \(month) would retire the key of \(now), which senders use now; retire at most up to \(now)")
        }
        let files = EpochFiles(secretPath: epochs)
        // Retiring needs no secret. With a passphrase, first check that every month kept
        // still opens, so no one destroys months while keeping ones they cannot open.
        if passphrase.passphraseFile != nil {
            let file = try EpochSecretFile.read(path: epochs)
            let once = PassphraseOnce(passphrase.provider())
            for entry in file.epochs where entry.epoch >= month {
                do { _ = try file.unlock(entry, passphrase: once.provider()) } catch {
                    throw CLIError("\(error); nothing was retired")
                }
            }
        }
        let outcome = try EpochRetirement.retire(path: epochs, before: month)
        guard !outcome.retired.isEmpty else {
            print("no epoch before \(month) in \(epochs); nothing retired")
            return
        }
        if FileManager.default.fileExists(atPath: files.publicPath) {
            let pub = try EpochPublicFile.read(path: files.publicPath)
            let kept = try EpochPublicFile(name: pub.name, epochs: pub.epochs.filter { $0.epoch >= month })
            try AtomicFile.write(kept.encoded(), to: files.publicPath, replaceExisting: true)
        }
        for r in outcome.retired { print("retired epoch \(r.epoch) kid \(r.kid.base64URL)") }
        print("kept: \(outcome.kept.isEmpty ? "none" : outcome.kept.map(\.description).joined(separator: " "))")
        print("copies of \(epochs) elsewhere (backups, old disks) still hold the retired secrets: destroy them too")
    }
}
