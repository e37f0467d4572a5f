import Foundation

/// The one cleaner for text someone else wrote (a sender's message and attachment names, a
/// relay's error line, metadata values read from a file) before it reaches a terminal or
/// names a file. SECURITY.md explains the threat: a terminal acts on control characters
/// (escape sequences, C1 controls, carriage returns that overwrite a line), bidirectional
/// overrides make `exe.txt` of `txt.exe`, and a file name can climb out of its folder.
///
/// What is removed (terminal text shows U+FFFD in its place, so a reader sees that
/// something was there; file names drop it):
/// - every control character (general category Cc: C0, DEL, C1), except the line breaks a
///   caller asks to keep; a tab becomes a space;
/// - every format character (Cf: bidi embeddings, overrides, isolates and marks, zero-width
///   spaces, the byte-order mark, tag characters). Terminal text keeps the zero-width
///   joiner and non-joiner: emoji sequences and the spelling of several scripts need them,
///   and they neither move the cursor nor reorder text. File names drop them too, so two
///   names that look the same are the same;
/// - line and paragraph separators (Zl, Zp), which some terminals and editors honour;
/// - private-use code points (Co): they have no agreed meaning, so a font may draw them as
///   anything, including letters that are not there;
/// - unassigned code points (Cn, noncharacters included): a later Unicode version may make
///   them format characters that a newer terminal than this program's Unicode tables honours.
///
/// Every result is bounded; text that was cut ends in a visible "…".
public enum UntrustedText {
    /// A visible stand-in for a character that was removed from terminal text.
    static let replacement: Unicode.Scalar = "\u{FFFD}"
    static let ellipsis: Unicode.Scalar = "\u{2026}"

    /// Text for one terminal line: nothing in it can start a new line or move the cursor,
    /// so it cannot forge a line of `seal`'s own output. At most `limit` Unicode scalars.
    public static func line(_ text: some StringProtocol, limit: Int = 300) -> String {
        clean(text, keepingLineBreaks: false, limit: limit)
    }

    /// Text for a terminal with its line breaks kept: LF, CR LF, NEL and the Unicode line
    /// and paragraph separators all become LF; a lone CR (which would let a later line
    /// overwrite an earlier one) is replaced. At most `limit` Unicode scalars.
    public static func lines(_ text: some StringProtocol, limit: Int = 16 << 20) -> String {
        clean(text, keepingLineBreaks: true, limit: limit)
    }

    /// A name for a file `seal` writes from a name someone else chose: the last path
    /// component only, in Unicode NFC (so names that differ only in normalisation are one
    /// name), with no removed character, no `: * ? " < > |` (Windows refuses them; each
    /// becomes `_`), no leading dot, dash, tilde or space (hidden files, options), no
    /// trailing dot or space, no Windows device name (`CON`, `nul.txt`, `COM1`: `_` goes in
    /// front), and at most `maxBytes` bytes of UTF-8, keeping a short extension when it
    /// must cut. `fallback` (a name the caller chose) stands in when nothing is left.
    public static func fileName(_ text: some StringProtocol, fallback: String, maxBytes: Int = 200) -> String {
        let component = String(text).split(whereSeparator: { (c: Character) in c == "/" || c == "\\" }).last.map(String.init) ?? ""
        var out = String.UnicodeScalarView()
        for scalar in component.precomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar {
            case ":", "*", "?", "\"", "<", ">", "|": out.append("_")
            case "\t": out.append(" ")
            default: if isVisible(scalar) && scalar != "\u{200C}" && scalar != "\u{200D}" { out.append(scalar) }
            }
        }
        var name = String(out)
        while let first = name.unicodeScalars.first, first == "." || first == "-" || first == "~" || first.properties.isWhitespace {
            name.unicodeScalars.removeFirst()
        }
        while let last = name.unicodeScalars.last, last == "." || last.properties.isWhitespace {
            name.unicodeScalars.removeLast()
        }
        if name.isEmpty { return fallback }
        if isReservedOnWindows(name) { name = "_" + name }
        return bounded(fileName: name, maxBytes: maxBytes)
    }

    /// JSON text (as `JSONEncoder` writes it) with every character that `isVisible` refuses
    /// written as a `\u` escape: the same JSON value, exact to the byte once decoded, that a
    /// person can `cat` safely. `JSONEncoder` escapes C0 controls itself but leaves DEL, C1
    /// controls and bidi overrides raw; any raw line break it writes is layout, kept.
    public static func escapingInvisibles(inJSON json: [UInt8]) -> [UInt8] {
        var out = String.UnicodeScalarView()
        for scalar in String(decoding: json, as: UTF8.self).unicodeScalars {
            if scalar == "\n" || isVisible(scalar) {
                out.append(scalar)
            } else {
                for unit in String(scalar).utf16 {
                    let hex = String(unit, radix: 16)
                    out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
                }
            }
        }
        return Array(String(out).utf8)
    }

    /// Whether a scalar may appear as it is in cleaned text (see the type's documentation).
    public static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
            return false
        case .format:
            return scalar == "\u{200C}" || scalar == "\u{200D}"
        default:
            return true
        }
    }

    private static func clean(_ text: some StringProtocol, keepingLineBreaks: Bool, limit: Int) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            let mapped: Unicode.Scalar
            switch scalar {
            case "\t":
                mapped = " "
            case "\r" where keepingLineBreaks && pending == "\n":
                continue
            case "\n", "\u{85}", "\u{2028}", "\u{2029}":
                mapped = keepingLineBreaks ? "\n" : replacement
            default:
                mapped = isVisible(scalar) ? scalar : replacement
            }
            guard count < limit else {
                if limit > 0 { out.removeLast() }
                out.append(ellipsis)
                break
            }
            out.append(mapped)
            count += 1
        }
        return String(out)
    }

    /// Cuts a cleaned name to `maxBytes` of UTF-8 at a scalar boundary, keeping an extension
    /// of up to 16 bytes, with "…" where it was cut.
    private static func bounded(fileName name: String, maxBytes: Int) -> String {
        guard name.utf8.count > maxBytes else { return name }
        var stem = Substring(name)
        var ext = Substring("")
        if let dot = name.lastIndex(of: "."), dot != name.startIndex, name.utf8[dot...].count <= 16 {
            stem = name[..<dot]
            ext = name[dot...]
        }
        let budget = maxBytes - ext.utf8.count - String(ellipsis).utf8.count
        var kept = String.UnicodeScalarView()
        var used = 0
        for scalar in stem.unicodeScalars {
            let size = String(scalar).utf8.count
            guard used + size <= budget else { break }
            kept.append(scalar)
            used += size
        }
        return String(kept) + String(ellipsis) + ext
    }

    /// Names Windows reserves for devices, with or without an extension; a reviewer may copy
    /// attachments onto a USB stick formatted for Windows.
    private static func isReservedOnWindows(_ name: String) -> Bool {
        let base = name.split(separator: ".", maxSplits: 1).first.map { $0.uppercased() } ?? ""
        let trimmed = base.trimmingCharacters(in: .whitespaces)
        if ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"].contains(trimmed) { return true }
        guard trimmed.count == 4, trimmed.hasPrefix("COM") || trimmed.hasPrefix("LPT"), let digit = trimmed.last else {
            return false
        }
        return "0123456789¹²³".contains(digit)
    }
}
