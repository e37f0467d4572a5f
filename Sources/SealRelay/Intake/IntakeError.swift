import SealCore

/// Why an upload was refused; `RelayError(refusing:)` gives each its code.
enum IntakeError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case spool(SpoolError)
    /// The body is not what the reviewer's signed `Content-Digest` states.
    case digestMismatch

    var description: String {
        switch self {
        case .malformed(let why): return why
        case .spool(let e): return e.description
        case .digestMismatch: return "the body does not match the signed Content-Digest"
        }
    }
}

extension IntakeError {
    /// Any error of the intake path as an `IntakeError`; nil for a body that failed (the
    /// client went away) or a shutdown.
    init?(_ error: any Error) {
        switch error {
        case let e as IntakeError: self = e
        case let e as SpoolError: self = .spool(e)
        case let e as EnvelopeError: self = .malformed(e.description)
        default: return nil
        }
    }
}
