import ArgumentParser
import SealCore

/// How a command that reads a secret key gets its passphrase, asked only if the key needs one.
struct ExistingPassphraseOptions: ParsableArguments {
    @Option(name: .long, help: "Read the key's passphrase from this file.")
    var passphraseFile: String?

    /// Asked only when the key file is protected; with no file and no terminal to ask on,
    /// the error names the flag (SealCore's errors never name flags).
    func provider() -> () throws -> Passphrase? {
        { [passphraseFile] in
            if let passphraseFile { return try Passphrase.read(fromFile: passphraseFile) }
            guard let typed = Terminal.readPassphrase(prompt: "Passphrase: ") else {
                throw CLIError("\(KeyError.passphraseRequired): give --passphrase-file")
            }
            return typed
        }
    }
}
