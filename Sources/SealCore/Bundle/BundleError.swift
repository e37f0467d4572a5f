/// Why a recipient bundle was refused. Each case has its own message because each asks the
/// person for a different action (re-download, ask the organisation, check the fingerprint).
public enum BundleError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformed(String)
    case unsupportedVersion(Int)
    case wrongOrganisation
    case badSignature
    case notYetValid(String)
    case expired(String)
    case rollback(seen: Int, got: Int)
    case invalidFingerprint

    public var description: String {
        switch self {
        case .malformed(let why): return "bundle is malformed: \(why)"
        case .unsupportedVersion(let v): return "bundle version \(v) is not supported by this seal; update seal"
        case .wrongOrganisation:
            return "bundle was signed by a different organisation than the fingerprint you gave: do not use it"
        case .badSignature: return "bundle signature does not verify: it was altered or forged; do not use it"
        case .notYetValid(let day): return "bundle is not valid before \(day) (check this machine's date)"
        case .expired(let day): return "bundle expired on \(day): get a current one from the organisation"
        case .rollback(let seen, let got):
            return "bundle counter \(got) is older than \(seen) already seen for this organisation: someone may be replaying an old bundle"
        case .invalidFingerprint: return "organisation fingerprint must be 64 hex characters"
        }
    }
}
