import SealCore

/// Text taken from a file being cleaned (a chunk type, an embedded file's name, a parser's
/// message) made safe to print: a hostile file must not put control characters or escape
/// sequences on the source's or the reviewer's terminal, nor flood it.
///
/// Every place in SealScrub that shows untrusted text goes through here; the cleaning is
/// SealCore's one cleaner (`UntrustedText`), and this adds only what is particular to the
/// scrubbers: four-character codes, and the lengths that suit each kind of label.
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
        !s.unicodeScalars.allSatisfy(UntrustedText.isVisible)
    }

    /// A name from the file (an attached file's name): one line, at most 80 characters.
    static func name(_ s: String) -> String {
        UntrustedText.line(s, limit: 80)
    }

    /// A message from a library parsing the file (qpdf's): one line, at most 160 characters.
    static func oneLine(_ text: String) -> String {
        UntrustedText.line(text, limit: 160)
    }
}
