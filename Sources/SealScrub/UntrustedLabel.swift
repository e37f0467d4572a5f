import Foundation

/// Text taken from a file being cleaned (a chunk type, an embedded file's name, a parser's
/// message) made safe to print: a hostile file must not put control characters or escape
/// sequences on the source's or the reviewer's terminal, nor flood it.
///
/// Every place in SealScrub that shows untrusted text goes through here.
// TODO(untrusted-text): SealCore is getting one strict cleaner for untrusted text
// (`UntrustedText`, Sources/SealCore/Encoding/UntrustedText.swift). When it lands, these
// functions call it and keep only what is particular to SealScrub (the 0xA9 of QuickTime
// box types, the lengths).
enum UntrustedLabel {
    /// An identifier's bytes (a chunk or box type, a PNG keyword): printable ASCII only,
    /// cut at the first NUL and at `limit` bytes; anything else reads as "?".
    static func tag(_ bytes: [UInt8], limit: Int = 24) -> String {
        String(bytes.prefix(limit).prefix { $0 != 0 }.map { isPrintable($0) ? Character(UnicodeScalar($0)) : "?" })
    }

    /// One byte of a four-character code: printable ASCII, or 0xA9 (©), which QuickTime
    /// and iTunes use in their user-data tags.
    static func isPrintable(_ byte: UInt8, allowingCopyright: Bool = false) -> Bool {
        (0x20...0x7E).contains(byte) || (allowingCopyright && byte == 0xA9)
    }

    /// Whether a name from the file holds anything a terminal would act on.
    static func hasControlCharacters(_ s: String) -> Bool {
        s.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) }
    }

    /// A name from the file (an attached file's name): control characters removed, spaces
    /// trimmed, at most 80 characters.
    static func name(_ s: String) -> String {
        let cleaned = String(s.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        return cleaned.count > 80 ? String(cleaned.prefix(80)) + "…" : cleaned
    }

    /// A message from a library parsing the file (qpdf's): one line, at most 160 characters.
    static func oneLine(_ text: String) -> String {
        let flat = text.map { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) ? " " : $0 }
        let s = String(flat).trimmingCharacters(in: .whitespaces)
        return s.count > 160 ? String(s.prefix(160)) + "…" : s
    }
}
