import ArgumentParser
import Foundation
import SealCore

struct OrgBundle: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bundle", abstract: "Sign a recipient bundle.")

    @Option(help: "The organisation's secret key file.") var orgKey: String
    @OptionGroup var passphrase: ExistingPassphraseOptions
    @Option(name: .customLong("reviewer"), help: "A reviewer's .pub file (repeat for each reviewer).")
    var reviewers: [String] = []
    @Option(name: .customLong("epochs"), help: "A reviewer's .epochs.pub file, paired with the --reviewer of the same name (makes a v2 bundle).")
    var epochFiles: [String] = []
    @Option(name: .customLong("relay-url"), help: "A relay URL sources may submit to (repeatable).")
    var relayURLs: [String] = []
    @Option(name: .customLong("relay-key"),
            help: "A relay's STATEDIR/relay.pub whose signed receipts reviewers should accept (repeatable; makes a v2 bundle).")
    var relayKeyFiles: [String] = []
    @Option(help: "Days the bundle stays valid.") var validDays = 90
    @Option(help: "Version counter; must grow with each bundle (default: seconds since 1970).")
    var counter: Int?
    @Option(help: "Where to write bundle.json.") var out: String

    func validate() throws {
        if reviewers.isEmpty { throw ValidationError("give at least one --reviewer") }
        if relayURLs.isEmpty { throw ValidationError("give at least one --relay-url") }
        if !(1...3650).contains(validDays) { throw ValidationError("--valid-days must be between 1 and 3650") }
    }

    func run() throws {
        let key = try SigningKey.read(path: orgKey, organisation: true, passphrase: passphrase.provider())
        let keys = try reviewers.map { try ReviewerPublicKey.read(path: $0) }
        let counter = self.counter ?? Int(Date().timeIntervalSince1970)
        let epochs = try EpochPairing.pair(epochFiles, with: keys)
        let relayKeys = try relayKeyFiles.map(EvidenceOptions.readRelayPublicKey)
        let bytes = try RecipientBundle.sign(organisation: key, reviewers: keys, relays: relayURLs,
                                             counter: counter, validDays: validDays, epochs: epochs, relayKeys: relayKeys)
        try AtomicFile.write(bytes, to: out, replaceExisting: true)
        print("wrote \(out): \(keys.count) reviewer(s), counter \(counter), valid \(validDays) days")
        print("organisation fingerprint: \(key.fingerprint.hex)")
    }
}
