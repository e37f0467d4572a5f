import ArgumentParser
import Foundation
import SealCore

struct Credential: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage reviewer fetch credentials (for the online machine; they open nothing).",
        subcommands: [New.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a fetch credential.")

        @Option(help: "The reviewer's name.") var name: String
        @Option(help: "Directory to write NAME.fetch.seckey and NAME.fetch.pub into.") var out: String

        func run() throws {
            try FileNames.requireSafe(name)
            let key = try SigningKey.generate(.fetchCredential(name: name))
            try FileSystem.makePrivateDirectory(out)
            let secretPath = "\(out)/\(name).fetch.seckey"
            let publicPath = "\(out)/\(name).fetch.pub"
            try FileNames.refuseExisting([secretPath, publicPath])
            // A fetch credential only lets its holder download ciphertext, and it must work
            // unattended on the online machine, so it is stored without a passphrase.
            try AtomicFile.write(key.encoded(passphrase: nil), to: secretPath, mode: 0o600)
            try AtomicFile.write(key.encodedPublic(), to: publicPath)
            print("wrote \(secretPath) and \(publicPath) (give the .pub to the relay operator)")
            print("fingerprint: \(key.fingerprint.digitGroups)")
        }
    }
}
