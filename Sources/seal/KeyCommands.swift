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

struct Org: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The organisation's signing key and recipient bundle (offline machine).",
        subcommands: [OrgKeygen.self, OrgBundle.self])
}

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

struct OrgBundle: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bundle", abstract: "Sign a recipient bundle.")

    @Option(help: "The organisation's secret key file.") var orgKey: String
    @OptionGroup var passphrase: ExistingPassphraseOptions
    @Option(name: .customLong("reviewer"), help: "A reviewer's .pub file (repeat for each reviewer).")
    var reviewers: [String] = []
    @Option(name: .customLong("relay-url"), help: "A relay URL sources may submit to (repeatable).")
    var relayURLs: [String] = []
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
        let bytes = try RecipientBundle.sign(organisation: key, reviewers: keys, relays: relayURLs,
                                             counter: counter, validDays: validDays)
        try AtomicFile.write(bytes, to: out, replaceExisting: true)
        print("wrote \(out): \(keys.count) reviewer(s), counter \(counter), valid \(validDays) days")
        print("organisation fingerprint: \(key.fingerprint.hex)")
    }
}

struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint", abstract: "Show the fingerprint of a key, organisation key or bundle.")

    @Argument(help: "A .pub, .seckey, org key, fetch key or bundle.json.") var file: String
    @OptionGroup var passphrase: ExistingPassphraseOptions

    func run() throws {
        let bytes = try InputFile.readAll(path: file, limit: 1 << 20)
        let type = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["type"] as? String ?? ""
        switch type {
        case ReviewerPublicKey.type:
            show(try ReviewerPublicKey.read(path: file))
        case ReviewerIdentity.type:
            show(try ReviewerIdentity.read(path: file, passphrase: passphrase.provider()).publicKey)
        case "sealrelay-org-public", "sealrelay-fetch-public":
            let key = try VerifyingKey.read(path: file, organisation: type == "sealrelay-org-public")
            show(key.fingerprint, label: type == "sealrelay-org-public" ? "organisation" : "fetch credential \(key.name ?? "")")
        case "sealrelay-org-secret", "sealrelay-fetch-secret":
            let key = try SigningKey.read(path: file, organisation: type == "sealrelay-org-secret", passphrase: passphrase.provider())
            show(key.fingerprint, label: type == "sealrelay-org-secret" ? "organisation" : "fetch credential")
        case RecipientBundle.type:
            try showBundle(bytes)
        default:
            throw CLIError("\(file) is not a SealRelay key or bundle")
        }
    }

    private func show(_ key: ReviewerPublicKey) {
        print("reviewer:    \(key.name)")
        print("kid:         \(key.kid.base64URL)")
        show(key.fingerprint, label: nil)
    }

    private func show(_ fp: Fingerprint, label: String?) {
        if let label { print("key:         \(label)") }
        print("fingerprint: \(fp.digitGroups)")
        print("hex:         \(fp.hex)")
    }

    /// A bundle's fingerprint is its organisation's; it is shown only after the signature
    /// checked out against the organisation key inside it, and says so.
    private func showBundle(_ bytes: [UInt8]) throws {
        let bundle = try RecipientBundle.verifySelfSigned(bytes)
        let fp = bundle.organisation.fingerprint
        print("bundle signed by organisation (compare with the published fingerprint):")
        show(fp, label: nil)
        print("bundle id:   \(bundle.id)")
        print("counter:     \(bundle.counter), valid \(bundle.notBefore) to \(bundle.notAfter)")
        for r in bundle.reviewers { print("reviewer:    \(r.name) kid \(r.kid.base64URL)") }
        for u in bundle.relays { print("relay:       \(u)") }
    }
}

enum FileNames {
    /// Names become file names: refuse anything that could escape the output directory.
    static func requireSafe(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) })
        else { throw CLIError("--name must be 1-64 letters, digits, '-', '_' or '.', not starting with '.'") }
    }

    static func refuseExisting(_ paths: [String]) throws {
        for path in paths where FileManager.default.fileExists(atPath: path) {
            throw CLIError("\(path) already exists; refusing to overwrite a key")
        }
    }
}
