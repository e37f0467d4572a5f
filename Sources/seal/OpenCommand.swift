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
    @Option(help: "Your epoch keys (NAME.epochs.seckey), for reports sealed to them.") var epochs: String?
    @Argument(help: "An envelope (.seal) or a folder of them.") var input: String
    @OptionGroup var evidence: EvidenceOptions

    func run() throws {
        let relayKeys = try evidence.relayKeys()
        let identity = try ReviewerIdentity.read(path: key, passphrase: passphrase.provider())
        let envelopes: [String]
        if FileSystem.isDirectory(input) {
            let names = try FileManager.default.contentsOfDirectory(atPath: input).filter { $0.hasSuffix(".seal") }.sorted()
            envelopes = names.map { "\(input)/\($0)" }
            if envelopes.isEmpty { throw CLIError("no .seal files in \(input)") }
        } else {
            envelopes = [input]
        }
        let keys = try OpeningKeys(identity: identity, epochsPath: epochs, envelopes: envelopes,
                                   passphrase: passphrase.provider())
        var failures = 0
        var threads = Set<String>()
        for path in envelopes {
            if let refusal = keys.refusal(for: path) {
                failures += 1
                Terminal.error("\(path): \(refusal)")
                continue
            }
            do {
                let opened = try ReportOpener.open(envelope: path, key: keys.keyring, into: out,
                                                   progress: Terminal.progress("opening \(path)"))
                let what = opened.alreadyOpened ? "already opened in" : "opened into"
                print("\(path): \(opened.manifest.kind.rawValue) \(what) \(opened.folder) (\(opened.manifest.files.count) attachment(s))\(keys.opener(for: path))")
                AttachmentCheck.run(opened, envelope: path)
                OpenEvidence.record(opened, envelope: path, relayKeys: relayKeys)
                threads.insert((opened.folder as NSString).deletingLastPathComponent)
            } catch EnvelopeError.notAddressedToYou where epochs == nil {
                // A report sealed to a monthly epoch key names a kid the identity does not have.
                failures += 1
                Terminal.error("\(path): \(EnvelopeError.notAddressedToYou); if it was sealed to an epoch key, add --epochs NAME.epochs.seckey")
            } catch {
                failures += 1
                Terminal.error("\(path): \(error)")
            }
        }
        if envelopes.count > 1 { Conversations.summarise(threads) }
        if failures < envelopes.count { try OpenEvidence.rebuildIndex(out, relayKeys: relayKeys) }
        if failures > 0 {
            if envelopes.count > 1 { Terminal.error("\(failures) of \(envelopes.count) envelopes could not be opened") }
            throw ExitCode(1)
        }
    }
}
