import Foundation
import SealCore

/// Replaces the names of comment authors with "Author 1", "Author 2", …
/// numbered in order of first appearance across the whole document. A reviewer can still
/// tell who answered whom in a comment thread without learning anyone's name.
final class Pseudonyms {
    private var assigned: [String: String] = [:]

    func name(for original: String) -> String {
        let trimmed = original.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || Self.isPseudonym(trimmed) { return original }
        if let known = assigned[trimmed] { return known }
        let pseudonym = "Author \(assigned.count + 1)"
        assigned[trimmed] = pseudonym
        return pseudonym
    }

    /// Excel starts each note with its author's name in bold ("Kim Chol-su:"); that line is
    /// metadata Excel wrote, not what the author typed, so it follows the pseudonym.
    func replacingLeadingAuthor(in text: String) -> String {
        for (original, pseudonym) in assigned where text.hasPrefix(original + ":") {
            return pseudonym + text.dropFirst(original.count)
        }
        return text
    }

    /// Initials say almost as much as a name; one neutral letter replaces them all.
    static let initials = "A"

    static func isPseudonym(_ s: String) -> Bool {
        s.hasPrefix("Author ") && Int(s.dropFirst(7)) != nil
    }
}
