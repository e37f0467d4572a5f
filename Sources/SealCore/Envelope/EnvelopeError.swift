/// Why an envelope was refused. Readers stop at the first problem and leave no output
/// behind, so each message names the one thing that is wrong.
public enum EnvelopeError: Error, Equatable, CustomStringConvertible, Sendable {
    case notAnEnvelope
    case unsupportedVersion
    case headerLength(Int)
    case truncatedHeader
    case malformedHeader(String)
    case unknownRecipient(String)
    case notAddressedToYou
    case stanzaRefused
    case badHeaderMAC
    case badChunk(Int)
    case missingLastChunk
    case trailingData
    case emptyFinalChunk
    case plaintextLength(expected: Int, got: Int)

    /// A stable name for the case, for test vectors and machine-readable answers.
    public var code: String {
        switch self {
        case .notAnEnvelope: return "notAnEnvelope"
        case .unsupportedVersion: return "unsupportedVersion"
        case .headerLength: return "headerLength"
        case .truncatedHeader: return "truncatedHeader"
        case .malformedHeader: return "malformedHeader"
        case .unknownRecipient: return "unknownRecipient"
        case .notAddressedToYou: return "notAddressedToYou"
        case .stanzaRefused: return "stanzaRefused"
        case .badHeaderMAC: return "badHeaderMAC"
        case .badChunk: return "badChunk"
        case .missingLastChunk: return "missingLastChunk"
        case .trailingData: return "trailingData"
        case .emptyFinalChunk: return "emptyFinalChunk"
        case .plaintextLength: return "plaintextLength"
        }
    }

    public var description: String {
        switch self {
        case .notAnEnvelope: return "not a SealRelay envelope (bad magic)"
        case .unsupportedVersion: return "unsupported envelope version (made by a newer seal?)"
        case .headerLength(let n): return "envelope header length \(n) is outside the allowed 1...\(EnvelopeFormat.maxHeaderLength) bytes"
        case .truncatedHeader: return "envelope is truncated inside its header"
        case .malformedHeader(let why): return "envelope header is malformed: \(why)"
        case .unknownRecipient(let kid): return "envelope is addressed to key \(kid), which is not in the current bundle"
        case .notAddressedToYou: return "this envelope is not addressed to your key"
        case .stanzaRefused: return "the stanza for your key does not open (tampered, or made for another key)"
        case .badHeaderMAC: return "envelope header authentication failed (tampered or corrupted)"
        case .badChunk(let i): return "payload chunk \(i) failed authentication (tampered, reordered or corrupted)"
        case .missingLastChunk: return "envelope is truncated: its final chunk is missing"
        case .trailingData: return "envelope has data after its final chunk"
        case .emptyFinalChunk: return "envelope ends with an empty chunk, which the format forbids"
        case .plaintextLength(let expected, let got): return "payload length \(got) does not match the declared \(expected)"
        }
    }
}
