import Foundation

/// `NAME.epochs.pub`: a reviewer's epoch public keys, which the organisation signs into
/// the bundle beside the reviewer's identity (docs/FORMAT.md, "Epoch keys").
public struct EpochPublicFile: Sendable, Equatable {
    public let name: String
    /// In month order; one key per month.
    public let epochs: [EpochPublicKey]

    public static let type = "sealrelay-epochs-public"
    static let maxFileSize = 1 << 20

    public init(name: String, epochs: [EpochPublicKey]) throws {
        for e in epochs where e.reviewer != name {
            throw EpochError.reviewerMismatch(expected: name, found: e.reviewer)
        }
        self.name = name
        self.epochs = try EpochPublicKey.checked(epochs)
    }

    /// What the reviewer and the organisation compare aloud before the epochs are signed:
    /// the file is not signed by the reviewer, so this comparison is what binds it to them
    /// (docs/FORMAT.md §7.1). Covers every month and both halves of every key.
    public var fingerprint: Fingerprint {
        Fingerprint(of: epochs.flatMap { Array($0.epoch.description.utf8) + $0.key.x25519 + $0.key.xwing })
    }

    public func encoded() throws -> [UInt8] {
        let object: [String: Any] = ["type": Self.type, "v": 1, "name": name, "epochs": epochs.map(\.jsonFields)]
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) + [0x0A]
    }

    public init(bytes: [UInt8]) throws {
        let file = try EpochFileObject(bytes: bytes, type: Self.type)
        let (name, list) = (file.name, file.epochs)
        try self.init(name: name, epochs: list.map { try EpochPublicKey(reviewer: name, jsonObject: $0) })
    }

    public static func read(path: String) throws -> EpochPublicFile {
        try EpochPublicFile(bytes: InputFile.readAll(path: path, limit: maxFileSize))
    }
}
