import SealCore

/// Tags appended after the audio of an MP3 (and, from careless taggers, of a FLAC file).
enum MediaTrailers {
    /// More than a handful of stacked trailers means the file is built to make a parser loop.
    static let maxTrailers = 16

    /// Returns where the audio ends once every known trailer before `end` is cut off, and
    /// names what they hold. `floor` is where the audio starts; no trailer may reach past it.
    static func strip(_ source: MediaSource, from floor: Int, end initialEnd: Int,
                      into findings: inout Findings) throws -> Int {
        var end = initialEnd
        for _ in 0..<maxTrailers {
            let room = end - floor
            let tail = try source.peek(at: max(floor, end - 32), count: min(32, room))
            func tailHas(_ text: String, back: Int) -> Bool {
                back <= tail.count && ByteFields.starts(tail, with: text, at: tail.count - back)
            }
            if room >= 128, try ByteFields.starts(source.read(at: end - 128, count: 3, "an ID3v1 tag"), with: "TAG") {
                let tag = try source.read(at: end - 128, count: 128, "an ID3v1 tag")
                describeID3v1(tag, into: &findings)
                end -= 128
                if end - floor >= 227, try ByteFields.starts(source.read(at: end - 227, count: 4, "an ID3v1 extended tag"), with: "TAG+") {
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
                guard ByteFields.starts(head, with: "ID3") else { throw source.malformed("an appended ID3v2 tag has no header") }
                _ = try ID3v2.read(head, at: end - size - 20, in: source, into: &findings)
                end -= size + 20
            } else {
                return end
            }
        }
        throw source.refused("it has more than \(maxTrailers) tags appended")
    }

    private static func describeID3v1(_ tag: [UInt8], into findings: inout Findings) {
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
                                 into findings: inout Findings) throws -> Int {
        guard let size = ByteFields.le(footer, 12, 4), let count = ByteFields.le(footer, 16, 4),
              let flags = ByteFields.le(footer, 20, 4), size >= 32 else {
            throw source.malformed("an APE tag has a damaged footer")
        }
        let header = flags & 0x8000_0000 != 0 ? 32 : 0
        let total = size + header
        guard total <= end - floor else { throw source.malformed("an APE tag claims more bytes than the file has") }
        if header > 0 {
            let head = try source.read(at: end - total, count: 8, "an APE tag header")
            guard ByteFields.starts(head, with: "APETAGEX") else { throw source.malformed("an APE tag's header is missing") }
        }
        let items = try source.read(at: end - size, count: min(size - 32, ID3v2.describeLimit), "an APE tag")
        var at = 0
        var seen = 0
        while seen < count, at + 8 < items.count {
            guard let length = ByteFields.le(items, at, 4) else { break }
            let keyStart = at + 8
            guard let keyEnd = items[keyStart...].firstIndex(of: 0) else { findings.add(MediaWords.otherTags); break }
            let (words, identifying) = MediaWords.forField(ByteFields.text(items[keyStart..<keyEnd]))
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
                                       into findings: inout Findings) throws -> Int {
        guard end - floor >= 15 else { throw source.malformed("a Lyrics3 tag is cut short") }
        let digits = try source.read(at: end - 15, count: 6, "a Lyrics3 tag")
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }), let size = Int(ByteFields.text(digits[...])),
              size >= 11, size + 15 <= end - floor else {
            throw source.malformed("a Lyrics3 tag has a damaged size")
        }
        let body = try source.read(at: end - 15 - size, count: size, "a Lyrics3 tag")
        guard ByteFields.starts(body, with: "LYRICSBEGIN") else { throw source.malformed("a Lyrics3 tag has no start marker") }
        let names: [String: String] = ["LYR": MediaWords.lyrics, "INF": MediaWords.comment, "AUT": MediaWords.author,
                                       "EAL": MediaWords.album, "EAR": MediaWords.artist, "ETT": MediaWords.title,
                                       "IMG": "picture links"]
        var at = 11
        while at + 8 <= body.count {
            let id = ByteFields.text(body[at..<(at + 3)])
            guard let length = Int(ByteFields.text(body[(at + 3)..<(at + 8)])), length >= 0, length <= body.count - at - 8 else {
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
