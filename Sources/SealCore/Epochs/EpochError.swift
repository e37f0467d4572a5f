/// Why an epoch key file or an epoch entry was refused, each with the one line a reviewer
/// or organisation needs to act on it (docs/FORMAT.md, "Epoch keys").
public enum EpochError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformed(String)
    case duplicateEpoch(String)
    case duplicateKey(String)
    case reviewerMismatch(expected: String, found: String)
    case retired(epoch: String, reviewer: String)
    case alreadyRetired(String)
    case damaged(epoch: String, why: String)
    case invalidMonth(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "epoch key file is malformed: \(why)"
        case .duplicateEpoch(let m): return "epoch \(UntrustedText.line(m, limit: 16)) is listed twice; each month has exactly one key"
        case .duplicateKey(let kid): return "epoch key \(UntrustedText.line(kid, limit: 32)) is listed twice"
        case .reviewerMismatch(let expected, let found):
            return "the epoch keys belong to \"\(UntrustedText.line(found, limit: 80))\", not to \"\(UntrustedText.line(expected, limit: 80))\""
        case .retired(let epoch, let reviewer):
            return "sealed to epoch \(epoch) of \(UntrustedText.line(reviewer, limit: 80)), which was retired: its secret key was destroyed and no one can open it"
        case .alreadyRetired(let m): return "epoch \(m) was retired; a retired month cannot get a new key"
        case .damaged(let epoch, let why): return "epoch \(epoch) cannot be unlocked: \(why)"
        case .invalidMonth(let text): return "\(UntrustedText.line(text, limit: 16)) is not a month written YYYY-MM"
        }
    }
}
