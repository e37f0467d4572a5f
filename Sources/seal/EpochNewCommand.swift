import ArgumentParser
import Foundation
import SealCore

struct EpochNew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make monthly epoch keys (added to NAME.epochs.seckey and NAME.epochs.pub in --out).")

    @Option(help: "Your decryption identity (NAME.seckey); the epochs take its name.") var key: String
    @OptionGroup var passphrase: NewPassphraseOptions
    @Option(help: "How many months to make (1-36).") var months: Int
    @Option(help: "First month, YYYY-MM (default: the month after the last epoch in the file, or this UTC month).")
    var start: String?
    @Option(help: "Directory of NAME.epochs.seckey and NAME.epochs.pub.") var out: String

    func validate() throws {
        if !(1...36).contains(months) { throw ValidationError("--months must be between 1 and 36") }
        if let start, EpochMonth(start) == nil { throw ValidationError("--start must be a month written YYYY-MM") }
    }

    func run() throws {
        // The identity's passphrase protects the epochs too: one passphrase for all of
        // the reviewer's secrets, typed once here.
        let typed = PassphraseOnce { [passphrase] in
            if let file = passphrase.passphraseFile { return try Passphrase.read(fromFile: file) }
            guard let p = Terminal.readPassphrase(prompt: "Passphrase of \(key): ") else {
                throw CLIError("\(KeyError.passphraseRequired): give --passphrase-file")
            }
            return p
        }
        let identity = try ReviewerIdentity.read(path: key, passphrase: typed.provider())
        try FileNames.requireSafe(identity.name)
        let files = EpochFiles(directory: out, name: identity.name)
        let existing = try files.readExisting()
        if let existing, existing.secret.name != identity.name {
            throw CLIError("\(EpochError.reviewerMismatch(expected: identity.name, found: existing.secret.name))")
        }
        let secret = existing?.secret ?? EpochSecretFile.empty(name: identity.name)
        let first: EpochMonth
        if let start, let month = EpochMonth(start) {
            first = month
        } else if let last = secret.epochs.last?.epoch {
            guard let next = last.adding(months: 1) else { throw CLIError("no month after \(last)") }
            first = next
        } else {
            first = EpochMonth.containing(Date())
        }
        let wanted = (0..<months).compactMap { first.adding(months: $0) }

        let newPassphrase: Passphrase?
        if passphrase.noPassphrase {
            newPassphrase = try passphrase.resolve()
        } else if passphrase.passphraseFile != nil {
            newPassphrase = try typed.value
        } else if let alreadyTyped = typed.given {
            newPassphrase = alreadyTyped
        } else {
            newPassphrase = try passphrase.resolve()
        }
        // One passphrase per file: the months already there must open with the one given.
        if let newPassphrase, let sealed = secret.epochs.first(where: \.isSealed) {
            do {
                _ = try secret.unlock(sealed, passphrase: { newPassphrase })
            } catch {
                throw CLIError("the passphrase does not open epoch \(sealed.epoch) already in \(files.secretPath): use the same passphrase for every epoch")
            }
        }

        let (updated, made) = try secret.adding(months: wanted, passphrase: newPassphrase)
        let publicFile = try EpochPublicFile(name: identity.name, epochs: (existing?.public.epochs ?? []) + made)
        try FileSystem.makePrivateDirectory(out)
        // Secrets first: a public key must never be out before the secret that opens it.
        try updated.write(to: files.secretPath)
        try AtomicFile.write(publicFile.encoded(), to: files.publicPath, replaceExisting: true)
        print("wrote \(files.secretPath) (keep it on the air-gapped machine) and \(files.publicPath)")
        for e in made { print("epoch \(e.epoch) kid \(e.kid.base64URL)") }
        print("give \(files.publicPath) to the organisation to sign into the next bundle, and read it this fingerprint:")
        print("fingerprint: \(publicFile.fingerprint.digitGroups)")
        print("hex:         \(publicFile.fingerprint.hex)")
    }
}
