import ArgumentParser
import Foundation
import SealCore

struct OrgKeygen: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keygen", abstract: "Create the organisation signing key.")

    @Option(help: "Directory to write org.seckey and org.pub into.") var out: String
    @OptionGroup var passphrase: NewPassphraseOptions

    func run() throws {
        let secretPath = "\(out)/org.seckey"
        let publicPath = "\(out)/org.pub"
        try FileNames.refuseExisting([secretPath, publicPath])
        let pass = try passphrase.resolve()
        let key = try SigningKey.generate(.organisation)
        try FileSystem.makePrivateDirectory(out)
        try AtomicFile.write(key.encoded(passphrase: pass), to: secretPath, mode: 0o600)
        try AtomicFile.write(key.encodedPublic(), to: publicPath)
        print("wrote \(secretPath) and \(publicPath)")
        print("organisation fingerprint (publish it widely; sources pin it):")
        print("  \(key.fingerprint.hex)")
        print("  \(key.fingerprint.digitGroups)")
    }
}
