import Crypto
import Foundation

/// Everything a source needs to receive replies, derived from the codename's 16 entropy
/// bytes alone (docs/FORMAT.md §5), so nothing has to be stored on a phone that may be searched.
///
/// Derivation uses the entropy rather than the words so the same codename typed in any of
/// the three languages gives the same keys.
public struct CodenameSecrets: Sendable {
    /// Replies are encrypted to this key's public half.
    public let replyKey: Curve25519.KeyAgreement.PrivateKey
    /// Proves to the relay that the caller may read the mailbox; the relay stores only its hash.
    public let mailboxSecret: SecureBytes
    /// Links follow-up reports to the first without storing anything.
    public let threadID: [UInt8]

    static let salt = Array("seal1 codename".utf8)

    /// Where replies wait on the relay: a hash, so the relay can find the mailbox from the
    /// secret a source presents without ever holding anything that opens it.
    public var mailboxID: String {
        mailboxSecret.withUnsafeBytes { MailboxID(secret: $0) }.description
    }

    /// The thread id as it appears in reports (base64url, no padding).
    public var thread: String { Base64URL.encode(threadID) }

    init(entropy: SecureBytes) {
        let inputKey = SymmetricKey(data: entropy)
        func derive(_ label: String, _ count: Int) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: inputKey, salt: Self.salt,
                                   info: Array(label.utf8), outputByteCount: count)
        }
        do {
            // X25519 clamps any 32 bytes into a valid scalar, so this cannot fail for a
            // 32-byte HKDF output; a failure would mean swift-crypto changed its contract.
            self.replyKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: derive("reply key", 32))
        } catch {
            preconditionFailure("X25519 refused a 32-byte private key: \(error)")
        }
        self.mailboxSecret = SecureBytes(copying: derive("mailbox", 32))
        self.threadID = derive("thread", 16).withUnsafeBytes { Array($0) }
    }
}

/// Keeps the secrets out of logs, `print` and `dump` by accident.
extension CodenameSecrets: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "CodenameSecrets(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
