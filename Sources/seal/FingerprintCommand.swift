import ArgumentParser
import Foundation
import SealCore

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
        case EpochPublicFile.type:
            let epochs = try EpochPublicFile.read(path: file)
            print("epochs of:   \(UntrustedText.line(epochs.name))")
            for e in epochs.epochs { print("epoch:       \(e.epoch) kid \(e.kid.base64URL)") }
            show(epochs.fingerprint, label: nil)
        case RecipientBundle.type:
            try showBundle(bytes)
        default:
            throw CLIError("\(file) is not a SealRelay key or bundle")
        }
    }

    private func show(_ key: ReviewerPublicKey) {
        print("reviewer:    \(UntrustedText.line(key.name))")
        print("kid:         \(key.kid.base64URL)")
        show(key.fingerprint, label: nil)
    }

    private func show(_ fp: Fingerprint, label: String?) {
        if let label { print("key:         \(label)") }
        print("fingerprint: \(fp.digitGroups)")
        print("hex:         \(fp.hex)")
    }

    /// A bundle's fingerprint is its organisation's; it is shown only after the signature
    /// checked out against the organisation key inside it, and says so. Its names and URLs
    /// are shown cleaned: whoever made the file chose them, and it is not yet trusted.
    private func showBundle(_ bytes: [UInt8]) throws {
        let bundle = try RecipientBundle.verifySelfSigned(bytes)
        let fp = bundle.organisation.fingerprint
        print("bundle signed by organisation (compare with the published fingerprint):")
        show(fp, label: nil)
        print("bundle id:   \(bundle.id)")
        print("counter:     \(bundle.counter), valid \(UntrustedText.line(bundle.notBefore)) to \(UntrustedText.line(bundle.notAfter))")
        for r in bundle.reviewers { print("reviewer:    \(UntrustedText.line(r.name)) kid \(r.kid.base64URL)") }
        for e in bundle.epochs { print("epoch:       \(UntrustedText.line(e.reviewer)) \(e.epoch) kid \(e.kid.base64URL)") }
        for u in bundle.relays { print("relay:       \(UntrustedText.line(u))") }
    }
}
