import Foundation

/// Turns whatever a person typed, pasted or copied off paper into candidate words.
///
/// Codenames are written by hand and retyped on phones with unfamiliar keyboards, so the
/// rules are generous about everything that carries no information (case, width, spacing,
/// punctuation, numbering, composed vs decomposed Hangul) and strict only where the BIP39
/// checksum can catch mistakes.
enum CodenameText {
    /// BIP39 compares words in NFKD. Lowercasing happens between two NFKD passes because
    /// case mapping can produce characters that decompose further.
    static func normalise(_ text: String) -> String {
        text.decomposedStringWithCompatibilityMapping
            .lowercased()
            .decomposedStringWithCompatibilityMapping
    }

    /// Splits normalised text into words.
    ///
    /// - Letters make words; every Han ideograph is a word by itself, because each Chinese
    ///   BIP39 word is one character and people write the 12 characters without spaces.
    /// - Combining marks and invisible format characters are dropped without splitting: no
    ///   list word contains them, and a stray accent or joiner from a keyboard should not
    ///   break a word in two. (Hangul jamo are letters, not marks, so Korean survives.)
    /// - Anything else (spaces of every width, tabs, newlines, commas of every script,
    ///   digits from a numbered list, bullets) separates words.
    static func words(in text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        for scalar in normalise(text).unicodeScalars {
            switch kind(of: scalar) {
            case .letter:
                current.append(scalar)
            case .ideograph:
                flush()
                words.append(String(scalar))
            case .ignored:
                continue
            case .separator:
                flush()
            }
        }
        flush()
        return words
    }

    private enum Kind { case letter, ideograph, ignored, separator }

    private static func kind(of scalar: Unicode.Scalar) -> Kind {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return scalar.properties.isIdeographic ? .ideograph : .letter
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .ignored
        case .format:
            // A zero-width space is used as an invisible word break; other format
            // characters (joiners, byte-order marks, bidi controls) are not breaks.
            return scalar.value == 0x200B ? .separator : .ignored
        default:
            return .separator
        }
    }

    /// Which script most words are in, for when too few words matched a list to tell.
    static func likelyLanguage(of words: [String]) -> CodenameLanguage {
        var counts: [CodenameLanguage: Int] = [:]
        for word in words {
            let scalars = word.unicodeScalars
            if scalars.contains(where: isHangul) {
                counts[.korean, default: 0] += 1
            } else if scalars.contains(where: { $0.properties.isIdeographic }) {
                counts[.chineseSimplified, default: 0] += 1
            } else {
                counts[.english, default: 0] += 1
            }
        }
        // allCases order breaks ties, so the result never depends on dictionary order.
        return CodenameLanguage.allCases.max { (counts[$0] ?? 0) < (counts[$1] ?? 0) } ?? .english
    }

    private static func isHangul(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xD7B0...0xD7FF:
            return true
        default:
            return false
        }
    }
}
