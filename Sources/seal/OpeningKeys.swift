import Foundation
import SealCore

/// The keys `seal open` uses for a batch of envelopes: the identity, plus the epoch keys
/// those envelopes are sealed to, unlocked once each with one passphrase for the file; and,
/// for epochs that cannot open (retired, damaged), the one line that says why.
struct OpeningKeys {
    let keyring: ReviewerKeyring
    private let refusals: [KeyID: String]

    init(identity: ReviewerIdentity, epochsPath: String?, envelopes: [String],
         passphrase: @escaping () throws -> Passphrase?) throws {
        guard let epochsPath else {
            keyring = ReviewerKeyring(identity: identity)
            refusals = [:]
            return
        }
        let file = try EpochSecretFile.read(path: epochsPath)
        guard file.name == identity.name else {
            throw CLIError("\(epochsPath): \(EpochError.reviewerMismatch(expected: identity.name, found: file.name))")
        }
        // Only the months these envelopes need are unlocked: each costs an Argon2id run.
        var needed = Set<KeyID>()
        for path in envelopes {
            if let head = try? EnvelopeHead.read(from: InputFile(path: path)) { needed.formUnion(head.header.kids) }
        }
        let once = PassphraseOnce(passphrase)
        var unlocked: [(EpochMonth, ReviewerIdentity)] = []
        var refusals: [KeyID: String] = [:]
        for entry in file.epochs where needed.contains(entry.kid) {
            do {
                unlocked.append((entry.epoch, try file.unlock(entry, passphrase: once.provider())))
            } catch {
                refusals[entry.kid] = "\(error)"
            }
        }
        for r in file.retired {
            refusals[r.kid] = EpochError.retired(epoch: r.epoch.description, reviewer: file.name).description
        }
        keyring = ReviewerKeyring(identity: identity, epochs: unlocked)
        self.refusals = refusals
    }

    /// Why an envelope cannot open here although it names one of this reviewer's epochs;
    /// nil when a key is at hand (or the envelope names none of ours: the reader says so).
    func refusal(for path: String) -> String? {
        guard let head = try? EnvelopeHead.read(from: InputFile(path: path)),
              keyring.opener(of: head.header) == nil
        else { return nil }
        return head.header.kids.lazy.compactMap { refusals[$0] }.first
    }

    /// Which key opened an envelope, for the reviewer's record.
    func opener(for path: String) -> String {
        guard let head = try? EnvelopeHead.read(from: InputFile(path: path)),
              let opener = keyring.opener(of: head.header)
        else { return "" }
        if let epoch = opener.epoch { return " with epoch \(epoch)" }
        return " with the identity key"
    }
}
