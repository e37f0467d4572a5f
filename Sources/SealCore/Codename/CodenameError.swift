import Foundation

/// Why a typed codename was refused. The person reading these messages may be frightened,
/// in a hurry and not technical, and may be reading over someone's shoulder, so each
/// `description` is one plain sentence that helps them fix the text and never repeats the
/// codename itself (only the single word that is wrong).
public enum CodenameError: Error, Equatable, CustomStringConvertible {
    /// Nothing that looks like a word was entered.
    case empty
    /// A codename has exactly 12 words; this many were found.
    case wrongWordCount(Int)
    /// The word at `position` (1-based) is in no list; `suggestions` are up to three close
    /// words of the detected language, in the form a keyboard types them (NFC).
    case unknownWord(position: Int, word: String, suggestions: [String])
    /// Words from more than one language's list were mixed.
    case mixedLanguages
    /// Every word is valid but the 4-bit BIP39 checksum does not match, which is what a
    /// wrong-but-valid word or two swapped words look like.
    case checksumMismatch
    /// A caller passed entropy that is not exactly 16 bytes.
    case invalidEntropyLength(Int)

    /// Longest piece of a typed word shown back; a longer token is cut so that a pasted
    /// paragraph (or a codename typed without spaces) is never echoed whole.
    static let maxEchoedCharacters = 20

    public var description: String {
        switch self {
        case .empty:
            return "No codename was entered, so please type the 12 words of your codename."
        case .wrongWordCount(let count):
            if count == 1 {
                return "A codename has exactly 12 words, but only 1 word was entered."
            }
            return "A codename has exactly 12 words, but \(count) words were entered."
        case .unknownWord(let position, let word, let suggestions):
            let shown = Self.echo(word)
            if suggestions.isEmpty {
                return "Word \(position), “\(shown)”, is not one of the codename words, so please check how it is written."
            }
            return "Word \(position), “\(shown)”, is not one of the codename words; did you mean \(Self.list(suggestions))?"
        case .mixedLanguages:
            return "The codename mixes words from different languages, but all 12 words must be written in the same language."
        case .checksumMismatch:
            return "All 12 words are codename words but they do not belong together, so one word is probably wrong or two words are in the wrong order."
        case .invalidEntropyLength(let count):
            return "A codename is made from exactly 16 bytes of random data, but \(count) bytes were given."
        }
    }

    private static func echo(_ word: String) -> String {
        guard word.count > maxEchoedCharacters else { return word }
        return String(word.prefix(maxEchoedCharacters)) + "…"
    }

    private static func list(_ words: [String]) -> String {
        let quoted = words.map { "“\($0)”" }
        switch quoted.count {
        case 0: return ""
        case 1: return quoted[0]
        default: return quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "")
        }
    }
}

/// So `error.localizedDescription` (what Foundation-based callers show) is the same sentence
/// rather than a generic "operation couldn't be completed".
extension CodenameError: LocalizedError {
    public var errorDescription: String? { description }
}
