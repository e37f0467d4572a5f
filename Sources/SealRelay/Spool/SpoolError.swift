/// Why the spool could not take an envelope; each maps to one HTTP status.
enum SpoolError: Error, Equatable, CustomStringConvertible {
    case full
    case tooLarge(Int)
    case io(String)
    /// The database backend cannot be reached (or went away mid-transaction): nothing was
    /// committed.
    case unavailable

    var description: String {
        switch self {
        case .full: return "the relay's queue is full; try again later"
        case .tooLarge(let max): return "envelope is larger than this relay accepts (\(max) bytes)"
        case .io(let what): return "the relay could not store the envelope (\(what))"
        case .unavailable: return "the relay's storage is unavailable; nothing was stored, try again later"
        }
    }
}
