/// What can be wrong with a key file, each with the one line a person needs to fix it.
public enum KeyError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformed(String)
    case wrongType(expected: String, found: String)
    case unsupportedVersion(Int)
    case wrongPassphrase
    case passphraseRequired
    case weakParameters
    case kidMismatch
    case lowOrderPoint

    public var description: String {
        switch self {
        case .malformed(let why): return "key file is malformed: \(why)"
        case .wrongType(let expected, let found):
            // `found` is the file's own "type" field: whoever made the file chose it.
            return "this is a \(found.isEmpty ? "unknown" : UntrustedText.line(found, limit: 80)) file, not a \(expected) file"
        case .unsupportedVersion(let v): return "key file version \(v) is not supported by this seal"
        case .wrongPassphrase: return "wrong passphrase (or the key file was altered)"
        case .passphraseRequired: return "this key file is passphrase-protected and no passphrase was given"
        case .weakParameters: return "key file's passphrase hardening is outside the accepted range"
        case .kidMismatch: return "key file's kid does not match its keys (file altered or corrupted)"
        case .lowOrderPoint: return "X25519 public key is a low-order point and is refused"
        }
    }
}
