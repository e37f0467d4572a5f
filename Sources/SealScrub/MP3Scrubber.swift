import SealCore

/// MP3 voice recordings and music. Tags sit only at the ends: ID3v2 before the first frame,
/// and after the last one, in any order, APEv2, Lyrics3, an appended ID3v2 with a footer,
/// ID3v1 and its "TAG+" extension. The scrubber cuts them off and copies the frames between
/// byte for byte. A FLAC stream behind an ID3v2 tag (some taggers write one) is handed to
/// the FLAC scrubber after the tag is cut.
struct MP3Scrubber: Scrubber {
    var types: [ContentType] { [.mp3] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let plan = try MP3Plan(MediaSource(input, format: "MP3"))
        try plan.write(to: output)
        return plan.findings.removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        try MP3Plan(MediaSource(input, format: "MP3")).findings.identifying
    }
}

private struct MP3Plan {
    let source: MediaSource
    private(set) var findings = MediaFindings()
    private var audio: Range<Int> = 0..<0
    private var flac: FLACPlan?

    /// Real files have one ID3v2 tag, sometimes two from careless taggers.
    static let maxTags = 16

    init(_ source: MediaSource) throws {
        self.source = source
        var start = 0
        var tags = 0
        while true {
            let head = try source.peek(at: start, count: 10)
            guard head.count == 10, MediaBytes.starts(head, with: "ID3") else { break }
            guard tags < MP3Plan.maxTags else { throw source.refused("it has more than \(MP3Plan.maxTags) ID3v2 tags") }
            start += try ID3v2.read(head, at: start, in: source, into: &findings)
            tags += 1
        }
        let end = try MediaTrailers.strip(source, from: start, end: source.size, into: &findings)
        let first = try source.peek(at: start, count: 4)
        if MediaBytes.starts(first, with: "fLaC") {
            let plan = try FLACPlan(source, start: start, end: end)
            findings.merge(plan.findings)
            flac = plan
            return
        }
        try MPEGFrames.check(source, start..<end)
        audio = start..<end
    }

    func write(to output: AtomicFile) throws {
        if let flac {
            try flac.write(to: output)
        } else {
            try source.copy(from: audio.lowerBound, count: audio.count, to: output)
        }
    }
}

/// ID3v2 (2.2, 2.3, 2.4) at the start of a file or appended with a footer.
enum ID3v2 {
    /// Tags larger than this are still removed, but only this much is read to name them.
    static let describeLimit = 16 << 20

    /// Validates the 10-byte header `head` of a tag at `at`, names what it holds, and
    /// returns its whole length (header, body, footer).
    static func read(_ head: [UInt8], at: Int, in source: MediaSource, into findings: inout MediaFindings) throws -> Int {
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

    static func describe(_ raw: [UInt8], version: Int, flags: Int, into findings: inout MediaFindings) {
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
            let extended = version == 3 ? MediaBytes.be(body, 0, 4).map { $0 + 4 } : synchsafe(body, 0)
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
            case 2: MediaBytes.be(body, at + 3, 3)
            case 3: MediaBytes.be(body, at + 4, 4)
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
            return MediaWords.forField(MediaBytes.text(description[...]))
        case "PRIV":
            let owner = data.prefix { $0 != 0 }
            return MediaBytes.text(owner).hasPrefix("XMP") ? (MediaWords.xmp, true) : (MediaWords.vendor, true)
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

/// Tags appended after the audio of an MP3 (and, from careless taggers, of a FLAC file).
enum MediaTrailers {
    /// More than a handful of stacked trailers means the file is built to make a parser loop.
    static let maxTrailers = 16

    /// Returns where the audio ends once every known trailer before `end` is cut off, and
    /// names what they hold. `floor` is where the audio starts; no trailer may reach past it.
    static func strip(_ source: MediaSource, from floor: Int, end initialEnd: Int,
                      into findings: inout MediaFindings) throws -> Int {
        var end = initialEnd
        for _ in 0..<maxTrailers {
            let room = end - floor
            let tail = try source.peek(at: max(floor, end - 32), count: min(32, room))
            func tailHas(_ text: String, back: Int) -> Bool {
                back <= tail.count && MediaBytes.starts(tail, with: text, at: tail.count - back)
            }
            if room >= 128, try MediaBytes.starts(source.read(at: end - 128, count: 3, "an ID3v1 tag"), with: "TAG") {
                let tag = try source.read(at: end - 128, count: 128, "an ID3v1 tag")
                describeID3v1(tag, into: &findings)
                end -= 128
                if end - floor >= 227, try MediaBytes.starts(source.read(at: end - 227, count: 4, "an ID3v1 extended tag"), with: "TAG+") {
                    let plus = try source.read(at: end - 227, count: 227, "an ID3v1 extended tag")
                    for field in [4..<64, 64..<124, 124..<184] where plus[field].contains(where: { $0 != 0 && $0 != 0x20 }) {
                        findings.add(field == 4..<64 ? MediaWords.title : field == 64..<124 ? MediaWords.artist : MediaWords.album)
                    }
                    end -= 227
                }
            } else if tailHas("APETAGEX", back: 32) {
                end -= try stripAPE(source, floor: floor, end: end, footer: Array(tail.suffix(32)), into: &findings)
            } else if tailHas("LYRICS200", back: 9) {
                end -= try stripLyrics3v2(source, floor: floor, end: end, into: &findings)
            } else if tailHas("LYRICSEND", back: 9) {
                end -= try stripLyrics3v1(source, floor: floor, end: end)
                findings.add(MediaWords.lyrics)
            } else if tailHas("3DI", back: 10) {
                let footer = Array(tail.suffix(10))
                guard let size = ID3v2.synchsafe(footer, 6), size + 20 <= end - floor else {
                    throw source.malformed("an appended ID3v2 tag has a damaged size")
                }
                let head = try source.read(at: end - size - 20, count: 10, "an appended ID3v2 tag")
                guard MediaBytes.starts(head, with: "ID3") else { throw source.malformed("an appended ID3v2 tag has no header") }
                _ = try ID3v2.read(head, at: end - size - 20, in: source, into: &findings)
                end -= size + 20
            } else {
                return end
            }
        }
        throw source.refused("it has more than \(maxTrailers) tags appended")
    }

    private static func describeID3v1(_ tag: [UInt8], into findings: inout MediaFindings) {
        func filled(_ range: Range<Int>) -> Bool { tag[range].contains { $0 != 0 && $0 != 0x20 } }
        if filled(3..<33) { findings.add(MediaWords.title) }
        if filled(33..<63) { findings.add(MediaWords.artist) }
        if filled(63..<93) { findings.add(MediaWords.album) }
        if filled(93..<97) { findings.add(MediaWords.date) }
        // ID3v1.1 keeps a track number in the comment's last two bytes.
        if filled(97..<(tag[125] == 0 ? 125 : 127)) { findings.add(MediaWords.comment) }
        if tag[125] == 0, tag[126] != 0 { findings.add(MediaWords.track, identifying: false) }
        if tag[127] != 0xFF { findings.add(MediaWords.genre, identifying: false) }
    }

    /// APEv1/v2: a 32-byte footer whose size counts the items and the footer, plus a
    /// 32-byte header when flag bit 31 says so.
    private static func stripAPE(_ source: MediaSource, floor: Int, end: Int, footer: [UInt8],
                                 into findings: inout MediaFindings) throws -> Int {
        guard let size = MediaBytes.le(footer, 12, 4), let count = MediaBytes.le(footer, 16, 4),
              let flags = MediaBytes.le(footer, 20, 4), size >= 32 else {
            throw source.malformed("an APE tag has a damaged footer")
        }
        let header = flags & 0x8000_0000 != 0 ? 32 : 0
        let total = size + header
        guard total <= end - floor else { throw source.malformed("an APE tag claims more bytes than the file has") }
        if header > 0 {
            let head = try source.read(at: end - total, count: 8, "an APE tag header")
            guard MediaBytes.starts(head, with: "APETAGEX") else { throw source.malformed("an APE tag's header is missing") }
        }
        let items = try source.read(at: end - size, count: min(size - 32, ID3v2.describeLimit), "an APE tag")
        var at = 0
        var seen = 0
        while seen < count, at + 8 < items.count {
            guard let length = MediaBytes.le(items, at, 4) else { break }
            let keyStart = at + 8
            guard let keyEnd = items[keyStart...].firstIndex(of: 0) else { findings.add(MediaWords.otherTags); break }
            let (words, identifying) = MediaWords.forField(MediaBytes.text(items[keyStart..<keyEnd]))
            findings.add(words, identifying: identifying)
            guard length <= items.count - keyEnd - 1 else { break }
            at = keyEnd + 1 + length
            seen += 1
        }
        if seen == 0, count > 0 { findings.add(MediaWords.otherTags) }
        return total
    }

    /// Lyrics3 v2: fields, then a 6-digit size and "LYRICS200".
    private static func stripLyrics3v2(_ source: MediaSource, floor: Int, end: Int,
                                       into findings: inout MediaFindings) throws -> Int {
        guard end - floor >= 15 else { throw source.malformed("a Lyrics3 tag is cut short") }
        let digits = try source.read(at: end - 15, count: 6, "a Lyrics3 tag")
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }), let size = Int(MediaBytes.text(digits[...])),
              size >= 11, size + 15 <= end - floor else {
            throw source.malformed("a Lyrics3 tag has a damaged size")
        }
        let body = try source.read(at: end - 15 - size, count: size, "a Lyrics3 tag")
        guard MediaBytes.starts(body, with: "LYRICSBEGIN") else { throw source.malformed("a Lyrics3 tag has no start marker") }
        let names: [String: String] = ["LYR": MediaWords.lyrics, "INF": MediaWords.comment, "AUT": MediaWords.author,
                                       "EAL": MediaWords.album, "EAR": MediaWords.artist, "ETT": MediaWords.title,
                                       "IMG": "picture links"]
        var at = 11
        while at + 8 <= body.count {
            let id = MediaBytes.text(body[at..<(at + 3)])
            guard let length = Int(MediaBytes.text(body[(at + 3)..<(at + 8)])), length >= 0, length <= body.count - at - 8 else {
                findings.add(MediaWords.lyrics)
                break
            }
            if let words = names[id] { findings.add(words) } else if id != "IND" { findings.add(MediaWords.otherTags) }
            at += 8 + length
        }
        return size + 15
    }

    /// Lyrics3 v1: "LYRICSBEGIN", at most 5100 bytes of lyrics, "LYRICSEND".
    private static func stripLyrics3v1(_ source: MediaSource, floor: Int, end: Int) throws -> Int {
        let window = min(end - floor, 5100 + 20)
        let tail = try source.read(at: end - window, count: window, "a Lyrics3 tag")
        let marker = Array("LYRICSBEGIN".utf8)
        var i = tail.count - 9 - marker.count
        while i >= 0 {
            if tail[i..<(i + marker.count)].elementsEqual(marker) { return tail.count - i }
            i -= 1
        }
        throw source.malformed("a Lyrics3 tag has no start marker")
    }
}

/// Walks the MPEG audio frames between the tags. Every byte there must belong to a frame
/// (or be zero padding): a tag whose marker was damaged, or data appended by some tool,
/// would otherwise pass as audio and leave with the file.
enum MPEGFrames {
    static func check(_ source: MediaSource, _ range: Range<Int>) throws {
        // Some encoders leave zero padding between the tag and the first frame.
        let lead = try source.peek(at: range.lowerBound, count: min(1 << 16, range.count))
        guard let first = lead.firstIndex(where: { $0 != 0 }) else {
            throw source.malformed("no MPEG audio frame follows the tags")
        }
        var at = range.lowerBound + first
        var frames = 0
        while at < range.upperBound {
            let header = try source.peek(at: at, count: 4)
            if let length = frameLength(header) {
                frames += 1
                // The last frame of a cut recording may be short; it is still audio.
                if length >= range.upperBound - at { return }
                at += length
                continue
            }
            guard frames > 0 else { throw source.malformed("no MPEG audio frame follows the tags") }
            try requireZeros(source, at..<range.upperBound, after: frames)
            return
        }
    }

    private static func requireZeros(_ source: MediaSource, _ range: Range<Int>, after frames: Int) throws {
        var at = range.lowerBound
        while at < range.upperBound {
            let block = try source.read(at: at, count: min(MediaSource.blockSize, range.upperBound - at), "the audio")
            guard block.allSatisfy({ $0 == 0 }) else {
                throw source.malformed("unrecognised data follows audio frame \(frames), at byte \(range.lowerBound)")
            }
            at += block.count
        }
    }

    private static let sampleRates: [[Int]] = [[11025, 12000, 8000], [], [22050, 24000, 16000], [44100, 48000, 32000]]
    /// kbit/s by bitrate index, for MPEG-1 layers I, II, III, then MPEG-2/2.5 layer I, and II/III.
    private static let bitrates: [[Int]] = [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ]

    /// The length of the frame whose header is `h`, or nil if `h` is not one (free-format
    /// frames have no length in their header and count as not one).
    static func frameLength(_ h: [UInt8]) -> Int? {
        guard h.count == 4, ContentType.isMPEGAudioFrame(h) else { return nil }
        let version = Int(h[1] >> 3) & 3, layer = Int(h[1] >> 1) & 3
        let index = Int(h[2] >> 4), padding = Int(h[2] >> 1) & 1
        guard index != 0 else { return nil }
        let rate = sampleRates[version][Int(h[2] >> 2) & 3]
        let mpeg1 = version == 3
        let table = mpeg1 ? 3 - layer : (layer == 3 ? 3 : 4)
        let bitrate = bitrates[table][index] * 1000
        switch layer {
        case 3: return (12 * bitrate / rate + padding) * 4
        case 2: return 144 * bitrate / rate + padding
        default: return (mpeg1 ? 144 : 72) * bitrate / rate + padding
        }
    }
}
