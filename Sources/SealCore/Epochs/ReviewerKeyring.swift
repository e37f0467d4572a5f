import Foundation

/// Everything one reviewer can open with: the identity and the epoch keys unlocked so far.
/// It tells which key opened a stanza, so `seal open` can say per report which epoch (or
/// the identity) it was sealed to.
public struct ReviewerKeyring: EnvelopeDecryptionKey {
    public let identity: ReviewerIdentity
    private let epochKeys: [KeyID: (epoch: EpochMonth, key: ReviewerIdentity)]

    public init(identity: ReviewerIdentity, epochs: [(EpochMonth, ReviewerIdentity)] = []) {
        self.identity = identity
        var keys: [KeyID: (epoch: EpochMonth, key: ReviewerIdentity)] = [:]
        for (month, key) in epochs { keys[key.kid] = (month, key) }
        self.epochKeys = keys
    }

    public var kids: [KeyID] { [identity.kid] + epochKeys.keys }

    public func unwrap(_ stanza: Stanza, suite: EnvelopeSuite, kid: KeyID) throws -> FileKey {
        if let epoch = epochKeys[kid] { return try epoch.key.unwrap(stanza, suite: suite, kid: kid) }
        return try identity.unwrap(stanza, suite: suite, kid: kid)
    }

    /// What opens an envelope with this header: the first stanza, in header order, whose kid
    /// this keyring holds (the order the reader tries them in); nil for the identity.
    public func opener(of header: EnvelopeHeader) -> (kid: KeyID, epoch: EpochMonth?)? {
        guard let kid = header.kids.first(where: { kids.contains($0) }) else { return nil }
        return (kid, epochKeys[kid]?.epoch)
    }
}
