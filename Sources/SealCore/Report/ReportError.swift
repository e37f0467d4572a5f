import Foundation

public enum ReportError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformedManifest(String)
    case sizeMismatch(String)
    case hashMismatch(String)
    case nonZeroPadding
    case wrongPaddedLength(expected: Int, got: Int)
    case fileChanged(String)
    case tooManyFiles(Int)
    case badField(String)

    public var description: String {
        switch self {
        case .malformedManifest(let why): return "report manifest is malformed: \(why)"
        case .sizeMismatch(let name): return "report is shorter than its manifest says (file \(UntrustedText.line(name)))"
        case .hashMismatch(let name): return "attachment \(UntrustedText.line(name)) does not match its SHA-256 in the manifest"
        case .nonZeroPadding: return "report padding is not all zeros"
        case .wrongPaddedLength(let expected, let got): return "report is \(got) bytes but its manifest implies \(expected)"
        case .fileChanged(let path): return "\(path) changed while it was being encrypted; try again"
        case .tooManyFiles(let count):
            return "a report holds at most \(Manifest.maxFiles) files; this one lists \(count)"
        case .badField(let why): return why
        }
    }
}
