import Foundation

/// A source's codename: 128 random bits shown as 12 BIP39 words (docs/FORMAT.md §5).
///
/// It is the only thing a source keeps (in memory or on paper); every reply key and mailbox
/// is derived from it again each time, so a seized phone holds nothing.
public struct Codename: Sendable {
    /// 128 bits: enough that guessing a codename is hopeless, short enough (12 words) to
    /// copy by hand.
    public static let entropyByteCount = 16
    public static let wordCount = 12

    public let entropy: SecureBytes
    /// The language it was typed in, so answers to the source can show it back the same way.
    public let language: CodenameLanguage

    /// A new codename from the system CSPRNG.
    public static func generate(language: CodenameLanguage = .english) -> Codename {
        Codename(checkedEntropy: SecureBytes.random(count: entropyByteCount), language: language)
    }

    public init(entropy: SecureBytes, language: CodenameLanguage = .english) throws {
        guard entropy.count == Self.entropyByteCount else {
            throw CodenameError.invalidEntropyLength(entropy.count)
        }
        self.init(checkedEntropy: entropy, language: language)
    }

    private init(checkedEntropy: SecureBytes, language: CodenameLanguage) {
        self.entropy = checkedEntropy
        self.language = language
    }

    /// Reads a codename the way a person may have written it; see `CodenameText` for what
    /// is tolerated. The language is detected from the words, and the checksum is verified
    /// so a mistyped word is caught before any request reaches the relay.
    public init(parsing text: String) throws {
        let typed = CodenameText.words(in: text)
        guard !typed.isEmpty else { throw CodenameError.empty }

        guard typed.count == Self.wordCount else { throw CodenameError.wrongWordCount(typed.count) }
        let language = Self.detectLanguage(of: typed)

        let list = CodenameWordList.list(for: language)
        var indices: [Int] = []
        defer { BIP39.wipe(&indices) }
        for (offset, word) in typed.enumerated() {
            if let index = list.index(of: word) {
                indices.append(index)
                continue
            }
            let otherLists = CodenameLanguage.allCases.filter { $0 != language }.map(CodenameWordList.list(for:))
            if otherLists.contains(where: { $0.index(of: word) != nil }) {
                throw CodenameError.mixedLanguages
            }
            throw CodenameError.unknownWord(
                position: offset + 1,
                word: word.precomposedStringWithCanonicalMapping,
                suggestions: list.suggestions(for: word))
        }
        switch BIP39.entropy(fromIndices: indices) {
        case .success(let entropy):
            self.init(checkedEntropy: entropy, language: language)
        case .failure:
            // Twelve in-range indices can only fail on the checksum.
            throw CodenameError.checksumMismatch
        }
    }

    /// The language whose list knows most of the words; if none knows any, the script.
    private static func detectLanguage(of words: [String]) -> CodenameLanguage {
        var best: (language: CodenameLanguage, hits: Int)?
        for language in CodenameLanguage.allCases {
            let list = CodenameWordList.list(for: language)
            let hits = words.reduce(0) { $0 + (list.index(of: $1) == nil ? 0 : 1) }
            if hits > (best?.hits ?? 0) { best = (language, hits) }
        }
        return best?.language ?? CodenameText.likelyLanguage(of: words)
    }

    /// The 12 words in `language`, in NFC so they display and copy well; parsing accepts
    /// them back in any normalisation form.
    public func words(in language: CodenameLanguage) -> [String] {
        guard var indices = BIP39.indices(for: entropy) else {
            // `entropy` is checked to be 16 bytes in every initialiser.
            preconditionFailure("codename entropy is not a BIP39 length")
        }
        defer { BIP39.wipe(&indices) }
        let list = CodenameWordList.list(for: language)
        return indices.map { list.displayWords[$0] }
    }

    /// The words joined by single spaces (U+0020), also for Chinese: BIP39 separates words
    /// with a space, and a person copying it may write the characters without one.
    public func phrase(in language: CodenameLanguage) -> String {
        words(in: language).joined(separator: " ")
    }

    public func secrets() -> CodenameSecrets {
        CodenameSecrets(entropy: entropy)
    }
}

/// Two codenames are the same secret whatever language they were typed in; compared in
/// constant time so a guess does not leak how much of it was right.
extension Codename: Equatable {
    public static func == (lhs: Codename, rhs: Codename) -> Bool {
        lhs.entropy == rhs.entropy
    }
}

/// Keeps the words out of logs, `print` and `dump` by accident.
extension Codename: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Codename(\(language.rawValue), redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
