import Foundation
import Testing
@testable import SealCore

/// SECURITY.md: text someone else wrote reaches a terminal or names a file only through
/// `UntrustedText`.
@Suite("Untrusted text")
struct UntrustedTextTests {
    /// One of each kind a terminal or a file system acts on.
    static let hostile: [Unicode.Scalar] = [
        "\u{0}", "\u{7}", "\u{8}", "\u{1B}", "\u{7F}", "\u{85}", "\u{9B}", "\u{9D}",  // C0, DEL, C1
        "\u{202A}", "\u{202B}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}",  // bidi
        "\u{200E}", "\u{200F}", "\u{061C}", "\u{200B}", "\u{FEFF}", "\u{00AD}", "\u{E0041}",  // marks, ZWSP, BOM, tags
        "\u{2028}", "\u{2029}", "\u{E000}", "\u{F0000}", "\u{0378}", "\u{FFFE}",  // Zl, Zp, Co, Cn
    ]

    @Test("one terminal line replaces every control, format, separator, private-use and unassigned character, line breaks included")
    func lineReplacesEverything() {
        for scalar in Self.hostile + ["\n", "\r", "\u{B}", "\u{C}"] {
            let cleaned = UntrustedText.line("a\(scalar)b")
            #expect(cleaned == "a\u{FFFD}b", "U+\(String(scalar.value, radix: 16)) gave \(cleaned.debugDescription)")
        }
    }

    @Test("terminal text keeps LF, turns CR LF, NEL and the Unicode separators into LF, and replaces a lone CR")
    func linesKeepsLineBreaksOnly() {
        #expect(UntrustedText.lines("a\nb\r\nc\u{85}d\u{2028}e\u{2029}f") == "a\nb\nc\nd\ne\nf")
        #expect(UntrustedText.lines("pay 100\rpay 999") == "pay 100\u{FFFD}pay 999")
        #expect(UntrustedText.lines("a\u{1B}[2Jb\u{202E}c") == "a\u{FFFD}[2Jb\u{FFFD}c")
    }

    @Test("terminal text keeps every script, emoji sequences and tabs as spaces")
    func keepsRealText() {
        let text = "말해 주세요 说吧 تحدث 👨\u{200D}👩\u{200D}👧 café\tend"
        #expect(UntrustedText.line(text) == text.replacingOccurrences(of: "\t", with: " "))
    }

    @Test("text longer than the bound is cut with a visible ellipsis")
    func bounded() {
        #expect(UntrustedText.line(String(repeating: "x", count: 10), limit: 4) == "xxx…")
        #expect(UntrustedText.line("xxxx", limit: 4) == "xxxx")
        let zalgo = "a" + String(repeating: "\u{0301}", count: 100_000)
        #expect(UntrustedText.line(zalgo).unicodeScalars.count == 300)
    }

    @Test("a file name keeps only its last component and never starts with a dot, dash, tilde or space", arguments: [
        ("../../etc/passwd", "passwd"), (".bashrc", "bashrc"), ("C:\\Users\\x\\evil.doc", "evil.doc"),
        ("-rf", "rf"), ("--help.txt", "help.txt"), ("~root", "root"), ("  .. x.txt. ", "x.txt"),
        ("..", "attachment"), (".", "attachment"), ("", "attachment"), ("/", "attachment"), ("a/", "a"),
    ])
    func fileNamePaths(name: String, expected: String) {
        #expect(UntrustedText.fileName(name, fallback: "attachment") == expected)
    }

    @Test("a file name drops every invisible character, joiners too, and replaces what Windows refuses")
    func fileNameCharacters() {
        for scalar in Self.hostile + ["\n", "\r", "\u{200C}", "\u{200D}"] {
            #expect(UntrustedText.fileName("a\(scalar)b.txt", fallback: "f") == "ab.txt", "U+\(String(scalar.value, radix: 16))")
        }
        #expect(UntrustedText.fileName("a:b*c?d\"e<f>g|h.txt", fallback: "f") == "a_b_c_d_e_f_g_h.txt")
        #expect(UntrustedText.fileName("invoice\u{202E}fdp.exe", fallback: "f") == "invoicefdp.exe")
    }

    @Test("a file name is in NFC, so composed and decomposed spellings are one name")
    func fileNameNormalised() {
        #expect(UntrustedText.fileName("cafe\u{0301}.txt", fallback: "f") == "caf\u{00E9}.txt")
        #expect(UntrustedText.fileName("\u{1100}\u{1161}.txt", fallback: "f") == "\u{AC00}.txt")
    }

    @Test("Windows device names get an underscore in front", arguments: [
        ("CON", "_CON"), ("nul.txt", "_nul.txt"), ("com1.jpg", "_com1.jpg"), ("LPT9", "_LPT9"), ("aux.tar.gz", "_aux.tar.gz"),
        ("console.txt", "console.txt"), ("com10", "com10"),
    ])
    func reservedNames(name: String, expected: String) {
        #expect(UntrustedText.fileName(name, fallback: "f") == expected)
    }

    @Test("a long file name is cut to its byte bound at a character boundary, keeping its extension")
    func fileNameBounded() {
        let long = String(repeating: "증", count: 200) + ".jpeg"
        let name = UntrustedText.fileName(long, fallback: "f", maxBytes: 100)
        #expect(name.utf8.count <= 100)
        #expect(name.hasSuffix("….jpeg"))
        #expect(name.hasPrefix("증증"))
        let noExtension = UntrustedText.fileName(String(repeating: "x", count: 300), fallback: "f", maxBytes: 50)
        #expect(noExtension.utf8.count == 50 && noExtension.hasSuffix("…"))
    }

    @Test("JSON with invisible characters escaped decodes to exactly the same value")
    func jsonEscaping() throws {
        let value = ["message": "a\u{7F}b\u{9B}c\u{202E}d\u{E0041}e\u{2028}f\u{1B}g\nh 말"]
        let json = Array(try JSONEncoder().encode(value))
        let escaped = UntrustedText.escapingInvisibles(inJSON: json)
        let text = String(decoding: escaped, as: UTF8.self)
        #expect(text.unicodeScalars.allSatisfy { $0 == "\n" || UntrustedText.isVisible($0) })
        #expect(text.contains("\\u007f") && text.contains("\\u202e") && text.contains("\\udb40\\udc41"))
        #expect(try JSONDecoder().decode([String: String].self, from: Data(escaped)) == value)
    }
}
