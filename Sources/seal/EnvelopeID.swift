import SealCore

/// The client's view of an envelope id (`EnvelopeHasher` computes it): only the canonical
/// 22-character base64url form exists, so an id from the relay can name a file safely.
struct EnvelopeID: Hashable, Sendable, CustomStringConvertible {
    let text: String

    init?(_ text: String) {
        guard EnvelopeHasher.isValidID(text) else { return nil }
        self.text = text
    }

    private init(trusted text: String) { self.text = text }

    var description: String { text }

    static func of(_ hasher: EnvelopeHasher) -> EnvelopeID { EnvelopeID(trusted: hasher.finalize()) }

    static func of(file path: String) throws -> EnvelopeID { EnvelopeID(trusted: try EnvelopeHasher.id(ofFile: path)) }
}
