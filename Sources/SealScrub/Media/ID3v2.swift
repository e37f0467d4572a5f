import SealCore

/// ID3v2 (2.2, 2.3, 2.4) at the start of a file or appended with a footer.
enum ID3v2 {
    /// Tags larger than this are still removed, but only this much is read to name them.
    static let describeLimit = 16 << 20

    /// Validates the 10-byte header `head` of a tag at `at`, names what it holds, and
    /// returns its whole length (header, body, footer).
    static func read(_ head: [UInt8], at: Int, in source: MediaSource, into findings: inout Findings) throws -> Int {
        let version = Int(head[3])
        let flags = Int(head[5])
        guard (2...4).contains(version), head[4] != 0xFF else {
            throw source.malformed("the ID3v2 tag at byte \(at) has an unknown version 2.\(version)")
        }
        guard let size = synchsafe(head, 6) else { throw source.malformed("the ID3v2 tag at byte \(at) has a damaged size") }
        let footer = version == 4 && flags & 0x10 != 0 ? 10 : 0
        let total = 10 + size + footer
        guard total <= source.size - at else { throw source.malformed("the ID3v2 tag at byte \(at) runs past the end of the file") }
        let body = try source.read(at: at + 10, count: min(size, describeLimit), "an ID3v2 tag")
        describe(body, version: version, flags: flags, into: &findings)
        return total
    }

    /// Four 7-bit bytes; a set top bit means the field is not what it claims to be.
    static func synchsafe(_ bytes: [UInt8], _ at: Int) -> Int? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        var value = 0
        for i in 0..<4 {
            guard bytes[at + i] & 0x80 == 0 else { return nil }
            value = value << 7 | Int(bytes[at + i])
        }
        return value
    }

    static func describe(_ raw: [UInt8], version: Int, flags: Int, into findings: inout Findings) {
        var body = raw
        if version < 4, flags & 0x80 != 0 {
            // Whole-tag unsynchronisation: FF 00 stands for FF.
            var plain: [UInt8] = []
            plain.reserveCapacity(raw.count)
            var i = 0
            while i < raw.count {
                plain.append(raw[i])
                i += raw[i] == 0xFF && i + 1 < raw.count && raw[i + 1] == 0 ? 2 : 1
            }
            body = plain
        }
        var at = 0
        if flags & 0x40 != 0, version >= 3 {
            let extended = version == 3 ? ByteFields.be(body, 0, 4).map { $0 + 4 } : synchsafe(body, 0)
            guard let extended, extended <= body.count else { findings.add(MediaWords.otherTags); return }
            at = extended
        }
        let idLength = version == 2 ? 3 : 4
        let headerLength = version == 2 ? 6 : 10
        var frames = 0
        while at + headerLength <= body.count {
            let id = body[at..<(at + idLength)]
            if id.first == 0 { break }  // padding
            guard id.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }) else {
                findings.add(MediaWords.otherTags)
                return
            }
            let size: Int? = switch version {
            case 2: ByteFields.be(body, at + 3, 3)
            case 3: ByteFields.be(body, at + 4, 4)
            default: synchsafe(body, at + 4)
            }
            guard let size, size <= body.count - at - headerLength else {
                // A frame may be cut by the describe limit: what was seen is still named.
                if frames == 0 || raw.count < describeLimit { findings.add(MediaWords.otherTags) }
                return
            }
            var name = String(decoding: id, as: UTF8.self)
            if version == 2 { name = v22Names[name] ?? name }
            let data = body[(at + headerLength)..<(at + headerLength + size)]
            let (words, identifying) = frameWords(name, data: data)
            findings.add(words, identifying: identifying)
            at += headerLength + size
            frames += 1
        }
    }

    private static func frameWords(_ id: String, data: ArraySlice<UInt8>) -> (String, Bool) {
        switch id {
        case "TXXX":
            // An encoding byte, then the description that names the field; in UTF-16 it
            // ends at a 00 00 pair, and its ASCII letters are what the name needs.
            let text = Array(data.dropFirst())
            var description: [UInt8] = []
            if data.first == 1 || data.first == 2 {
                var i = 0
                while i + 1 < text.count, !(text[i] == 0 && text[i + 1] == 0) {
                    description += [text[i], text[i + 1]]
                    i += 2
                }
                description = description.filter { $0 != 0 && $0 < 0x80 }
            } else {
                description = Array(text.prefix { $0 != 0 })
            }
            return MediaWords.forField(ByteFields.text(description[...]))
        case "PRIV":
            let owner = data.prefix { $0 != 0 }
            return ByteFields.text(owner).hasPrefix("XMP") ? (MediaWords.xmp, true) : (MediaWords.vendor, true)
        default:
            if let known = frameWords[id] { return known }
            if id.hasPrefix("W") { return ("web link", true) }
            return (MediaWords.otherTags, true)
        }
    }

    private static let frameWords: [String: (String, Bool)] = {
        var map: [String: (String, Bool)] = [:]
        func set(_ ids: [String], _ words: String, _ identifying: Bool = true) { for id in ids { map[id] = (words, identifying) } }
        set(["TIT1", "TIT2", "TIT3", "TSOT"], MediaWords.title)
        set(["TPE1", "TPE2", "TPE3", "TPE4", "TCOM", "TEXT", "TOLY", "TOPE", "TMCL", "TIPL", "IPLS", "TSOP", "TSO2", "TSOC"], MediaWords.artist)
        set(["TOWN"], MediaWords.author)
        set(["TALB", "TOAL", "TSOA"], MediaWords.album)
        set(["COMM"], MediaWords.comment)
        set(["APIC"], MediaWords.cover)
        set(["TSSE", "TENC"], MediaWords.software)
        set(["TDRC", "TYER", "TDAT", "TIME", "TDRL", "TDEN", "TORY", "TDOR", "TDTG", "TRDA"], MediaWords.date)
        set(["USLT", "SYLT"], MediaWords.lyrics)
        set(["TCOP", "TPUB", "TRSN", "TRSO"], MediaWords.copyright)
        set(["TCON"], MediaWords.genre, false)
        set(["TRCK", "TPOS"], MediaWords.track, false)
        set(["TLEN", "TBPM", "TKEY", "TLAN", "TFLT", "TMED", "TSRC", "MCDI", "PCNT", "RVA2", "RVAD", "EQU2", "EQUA",
             "ETCO", "MLLT", "SYTC", "SEEK", "ASPI", "TDLY", "TCMP", "TMOO", "RBUF", "POSS"], MediaWords.otherTags, false)
        set(["POPM"], "rating with an email address")
        set(["UFID"], "file identifier")
        set(["GEOB"], "embedded file")
        set(["CHAP", "CTOC"], "chapters")
        return map
    }()

    private static let v22Names: [String: String] = [
        "TT1": "TIT1", "TT2": "TIT2", "TT3": "TIT3", "TP1": "TPE1", "TP2": "TPE2", "TP3": "TPE3", "TP4": "TPE4",
        "TCM": "TCOM", "TXT": "TEXT", "TOA": "TOPE", "TOL": "TOLY", "TAL": "TALB", "TOT": "TOAL", "COM": "COMM",
        "PIC": "APIC", "TSS": "TSSE", "TEN": "TENC", "TYE": "TYER", "TDA": "TDAT", "TIM": "TIME", "TOR": "TORY",
        "TRD": "TRDA", "ULT": "USLT", "SLT": "SYLT", "TCR": "TCOP", "TCO": "TCON", "TRK": "TRCK", "TPA": "TPOS",
        "TXX": "TXXX", "WXX": "WXXX", "GEO": "GEOB", "UFI": "UFID", "POP": "POPM", "CNT": "PCNT", "TPB": "TPUB",
        "TLE": "TLEN", "TBP": "TBPM", "TRC": "TSRC", "TKE": "TKEY", "TLA": "TLAN", "TMT": "TMED", "TFT": "TFLT",
    ]
}
