import Foundation
import SealCore

/// Where a reviewer's two epoch files live and how they are kept in step: the public file
/// lists exactly the months whose secrets the secret file still holds.
struct EpochFiles {
    let secretPath: String
    let publicPath: String

    init(directory: String, name: String) {
        secretPath = "\(directory)/\(name).epochs.seckey"
        publicPath = "\(directory)/\(name).epochs.pub"
    }

    /// The public file beside a secret file, named as `seal epoch new` names it.
    init(secretPath: String) {
        self.secretPath = secretPath
        let suffix = ".epochs.seckey"
        publicPath = secretPath.hasSuffix(suffix) ? String(secretPath.dropLast(suffix.count)) + ".epochs.pub" : secretPath + ".pub"
    }

    /// Both files, or neither (nil); one without the other is refused.
    func readExisting() throws -> (secret: EpochSecretFile, public: EpochPublicFile)? {
        let hasSecret = FileManager.default.fileExists(atPath: secretPath)
        let hasPublic = FileManager.default.fileExists(atPath: publicPath)
        guard hasSecret || hasPublic else { return nil }
        guard hasSecret && hasPublic else {
            throw CLIError("\(hasSecret ? publicPath : secretPath) is missing beside \(hasSecret ? secretPath : publicPath); restore it before adding epochs")
        }
        let secret = try EpochSecretFile.read(path: secretPath)
        let pub = try EpochPublicFile.read(path: publicPath)
        guard pub.name == secret.name, Set(pub.epochs.map(\.kid)) == Set(secret.epochs.map(\.kid)) else {
            throw CLIError("\(publicPath) does not list the same epochs as \(secretPath)")
        }
        return (secret, pub)
    }
}
