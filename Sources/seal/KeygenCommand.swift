import ArgumentParser
import Foundation
import SealCore

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a reviewer's decryption identity (for the air-gapped machine).")

    @Option(help: "The reviewer's name, as shown to the organisation.") var name: String
    @Option(help: "Directory to write NAME.seckey and NAME.pub into.") var out: String
    @OptionGroup var passphrase: NewPassphraseOptions

    func run() throws {
        try FileNames.requireSafe(name)
        let secretPath = "\(out)/\(name).seckey"
        let publicPath = "\(out)/\(name).pub"
        try FileNames.refuseExisting([secretPath, publicPath])
        let pass = try passphrase.resolve()
        let identity = try ReviewerIdentity.generate(name: name)
        try FileSystem.makePrivateDirectory(out)
        try AtomicFile.write(identity.encoded(passphrase: pass), to: secretPath, mode: 0o600)
        try AtomicFile.write(identity.publicKey.encoded(), to: publicPath)
        print("wrote \(secretPath) (keep it on the air-gapped machine) and \(publicPath)")
        print("kid:         \(identity.kid.base64URL)")
        print("fingerprint: \(identity.publicKey.fingerprint.digitGroups)")
    }
}
