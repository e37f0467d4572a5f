import ArgumentParser
import SealCore

/// How a command that writes a secret key gets its passphrase.
struct NewPassphraseOptions: ParsableArguments {
    @Option(name: .long, help: "Read the passphrase from this file (first line).")
    var passphraseFile: String?

    @Flag(name: .long, help: "Store the secret key unencrypted (automation only; prints a warning).")
    var noPassphrase = false

    func validate() throws {
        if passphraseFile != nil && noPassphrase {
            throw ValidationError("--passphrase-file and --no-passphrase exclude each other")
        }
    }

    /// nil means "store unprotected", after the warning.
    func resolve() throws -> Passphrase? {
        if let passphraseFile { return try Passphrase.read(fromFile: passphraseFile) }
        if noPassphrase {
            Terminal.warn("the secret key is stored WITHOUT a passphrase: anyone who copies the file can use it")
            return nil
        }
        guard let first = Terminal.readPassphrase(prompt: "New passphrase: ") else {
            throw CLIError("no terminal to ask for a passphrase: give --passphrase-file F or --no-passphrase")
        }
        guard let second = Terminal.readPassphrase(prompt: "Repeat passphrase: "), second.matches(first) else {
            throw CLIError("the two passphrases differ")
        }
        return first
    }
}
