import Crypto
import Foundation

/// One BIP39 word list, loaded once from the package's resources.
///
/// A codename is only recoverable if every copy of SealRelay maps indices to exactly the same
/// words forever, so each file is pinned by its SHA-256 and a changed or damaged list stops
/// the program instead of quietly producing different codenames.
final class CodenameWordList: Sendable {
    let language: CodenameLanguage
    /// The words as the BIP39 file stores them (NFKD), which is what the standard compares.
    let words: [String]
    /// The same words in NFC, the form keyboards produce and terminals render well
    /// (decomposed Hangul shows as loose jamo in many terminals).
    let displayWords: [String]
    /// Normalised spelling -> index, including accepted alternative spellings.
    private let lookup: [String: Int]
    /// First four letters -> index, for lists where BIP39 guarantees they are unique.
    private let prefixes: [String: Int]
    /// Scalars of each word, precomputed for edit distances.
    private let scalars: [[Unicode.Scalar]]

    /// BIP39 chose the English list so that the first four letters identify a word, and
    /// people writing a codename on paper often abbreviate to them.
    static let uniquePrefixLength = 4

    static let english = CodenameWordList(
        language: .english, file: "english",
        sha256: "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda",
        acceptsPrefixes: true)
    static let korean = CodenameWordList(
        language: .korean, file: "korean",
        sha256: "9e95f86c167de88f450f0aaf89e87f6624a57f973c67b516e338e8e8b8897f60")
    /// The BIP39 traditional-Chinese list has the same indices; 773 of its characters differ
    /// from the simplified ones and none collides with a different simplified index, so a
    /// codename typed with a traditional-script keyboard is accepted as the same words.
    static let chineseSimplified = CodenameWordList(
        language: .chineseSimplified, file: "chinese_simplified",
        sha256: "5c5942792bd8340cb8b27cd592f1015edf56a8c5b26276ee18a482428e7c5726",
        alternative: (file: "chinese_traditional",
                      sha256: "417b26b3d8500a4ae3d59717d7011952db6fc2fb84b807f3f94ac734e89c1b5f"))

    static func list(for language: CodenameLanguage) -> CodenameWordList {
        switch language {
        case .english: return english
        case .korean: return korean
        case .chineseSimplified: return chineseSimplified
        }
    }

    private init(language: CodenameLanguage, file: String, sha256: String,
                 acceptsPrefixes: Bool = false,
                 alternative: (file: String, sha256: String)? = nil) {
        self.language = language
        let words = Self.load(file, sha256: sha256)
        self.words = words
        self.displayWords = words.map { $0.precomposedStringWithCanonicalMapping }
        var lookup: [String: Int] = [:]
        for (index, word) in words.enumerated() {
            lookup[CodenameText.normalise(word)] = index
        }
        if let alternative {
            for (index, word) in Self.load(alternative.file, sha256: alternative.sha256).enumerated() {
                let key = CodenameText.normalise(word)
                // Never let an alternative spelling shadow a real word of the list.
                if lookup[key] == nil { lookup[key] = index }
            }
        }
        self.lookup = lookup
        var prefixes: [String: Int] = [:]
        if acceptsPrefixes {
            for (index, word) in words.enumerated() where word.count >= Self.uniquePrefixLength {
                prefixes[String(word.prefix(Self.uniquePrefixLength))] = index
            }
        }
        self.prefixes = prefixes
        self.scalars = words.map { Array(CodenameText.normalise($0).unicodeScalars) }
    }

    /// Resources ship inside the package, so a missing or altered file is a broken install,
    /// not bad input; continuing would show the wrong words for a real codename.
    private static func load(_ file: String, sha256 expected: String) -> [String] {
        guard let url = Bundle.module.url(forResource: file, withExtension: "txt", subdirectory: "Wordlists"),
              let data = try? Data(contentsOf: url)
        else {
            fatalError("SealCore is installed without its BIP39 word list \(file).txt")
        }
        guard Hex.encode(SHA256.hash(data: data)) == expected else {
            fatalError("SealCore's BIP39 word list \(file).txt has been altered or damaged")
        }
        let words = String(decoding: data, as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: true)
            .map(String.init)
        guard words.count == BIP39.wordCount else {
            fatalError("SealCore's BIP39 word list \(file).txt does not hold \(BIP39.wordCount) words")
        }
        return words
    }

    /// The index of a normalised word (see `CodenameText.normalise`), or nil.
    func index(of word: String) -> Int? {
        if let index = lookup[word] { return index }
        if word.count >= Self.uniquePrefixLength,
           let index = prefixes[String(word.prefix(Self.uniquePrefixLength))],
           words[index].hasPrefix(word) {
            return index
        }
        return nil
    }

    /// Up to `limit` list words closest to an unknown one, nearest first, in display form.
    ///
    /// A candidate must be within half the longer word's length of it, so a random string
    /// gets no misleading suggestions; single Chinese characters therefore get none, since
    /// any two of them are one edit apart and no character is "closer" than another.
    func suggestions(for word: String, limit: Int = 3) -> [String] {
        let typed = Array(word.unicodeScalars)
        // Edit distance is quadratic; a pasted paragraph as one "word" deserves no search.
        guard !typed.isEmpty, typed.count <= 4 * (scalars.map(\.count).max() ?? 0) else { return [] }
        var scored: [(distance: Int, sharedStart: Int, index: Int)] = []
        for (index, candidate) in scalars.enumerated() {
            let bound = max(typed.count, candidate.count) / 2
            if abs(typed.count - candidate.count) > bound { continue }
            let distance = Self.editDistance(typed, candidate)
            if distance <= bound {
                let sharedStart = zip(typed, candidate).prefix { $0 == $1 }.count
                scored.append((distance, sharedStart, index))
            }
        }
        // Among equally close words, people more often get the start of a word right than
        // the end, so a longer shared start ranks first; list order settles the rest.
        scored.sort { ($0.distance, -$0.sharedStart, $0.index) < ($1.distance, -$1.sharedStart, $1.index) }
        return scored.prefix(limit).map { displayWords[$0.index] }
    }

    /// Damerau-Levenshtein (optimal string alignment): swapped neighbours are the most
    /// common handwriting and typing slip, so they count as one edit, not two.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, before[j - 2] + 1)
                }
                current[j] = best
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
