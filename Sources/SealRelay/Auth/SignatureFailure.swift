import SealAPI

/// Why a signed request was refused. An unknown key and a bad signature are one case, so
/// their answers are the same byte for byte.
public enum SignatureFailure: Error, Equatable, CustomStringConvertible {
    case unsigned, malformed, outsideWindow, rejected, replay

    public var description: String {
        switch self {
        case .unsigned: return "the request is not signed"
        case .malformed: return "the request signature is malformed, or does not cover what it must"
        case .outsideWindow: return "the request signature is too old or from the future (check the clock)"
        case .rejected: return "the request signature is not valid for a credential this relay serves"
        case .replay: return "the request signature was already used"
        }
    }

    public var code: RelayErrorCode {
        switch self {
        case .unsigned, .malformed, .rejected: return .unauthorized
        case .outsideWindow: return .signatureExpired
        case .replay: return .signatureReplayed
        }
    }
}
