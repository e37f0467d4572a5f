import Foundation

/// One month's public key of a reviewer: the same two halves as the identity
/// (`ReviewerPublicKey`, whose name is the reviewer's), fresh and unrelated to it, so that
/// destroying the month's secret is all retirement needs (docs/FORMAT.md, "Epoch keys").
public struct EpochPublicKey: Sendable, Equatable {
    public let epoch: EpochMonth
    public let key: ReviewerPublicKey

    public init(epoch: EpochMonth, key: ReviewerPublicKey) {
        self.epoch = epoch
        self.key = key
    }

    public var kid: KeyID { key.kid }
    public var reviewer: String { key.name }

    /// The fields of one entry of `"epochs"`, in an epochs.pub file and in a bundle alike.
    var jsonFields: [String: String] {
        ["epoch": epoch.description, "kid": kid.base64URL,
         "x25519": Base64URL.encode(key.x25519), "xwing": Base64URL.encode(key.xwing)]
    }

    /// Parses and checks one entry: month, key sizes, low-order points, kid.
    init(reviewer: String, epoch epochText: String, kid kidText: String, x25519: String, xwing: String) throws {
        guard let epoch = EpochMonth(epochText) else { throw EpochError.invalidMonth(epochText) }
        guard let kid = KeyID(base64URL: kidText), let x = Base64URL.decode(x25519), let w = Base64URL.decode(xwing) else {
            throw EpochError.malformed("epoch \(epoch) has keys that are not base64url")
        }
        do {
            self.init(epoch: epoch, key: try ReviewerPublicKey(name: reviewer, kid: kid, x25519: x, xwing: w))
        } catch {
            throw EpochError.malformed("epoch \(epoch): \(error)")
        }
    }

    init(reviewer: String, jsonObject object: [String: Any]) throws {
        guard let epoch = object["epoch"] as? String, let kid = object["kid"] as? String,
              let x = object["x25519"] as? String, let w = object["xwing"] as? String
        else { throw EpochError.malformed("an epoch needs epoch, kid, x25519 and xwing") }
        try self.init(reviewer: reviewer, epoch: epoch, kid: kid, x25519: x, xwing: w)
    }

    /// The one rule for a reviewer's list of epochs, wherever it is read or written: one key
    /// per month, no key twice; returned in month order.
    static func checked(_ epochs: [EpochPublicKey]) throws -> [EpochPublicKey] {
        var months = Set<EpochMonth>()
        var kids = Set<KeyID>()
        for e in epochs {
            guard months.insert(e.epoch).inserted else { throw EpochError.duplicateEpoch(e.epoch.description) }
            guard kids.insert(e.kid).inserted else { throw EpochError.duplicateKey(e.kid.base64URL) }
        }
        return epochs.sorted { $0.epoch < $1.epoch }
    }
}
