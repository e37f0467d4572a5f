import SealCore

/// The Vorbis comment block shared by FLAC, Ogg Vorbis and Opus: a vendor string (the
/// encoder's name) and "FIELD=value" pairs, with cover art as METADATA_BLOCK_PICTURE.
/// Only read to name what is removed; the scrubbers drop or replace the whole block, so a
/// damaged block is still removed and merely reported as "other tags".
enum VorbisComment {
    /// `bytes[start...]` begins with the vendor length (after any "\u{3}vorbis" or
    /// "OpusTags" magic the caller skipped).
    static func describe(_ bytes: [UInt8], from start: Int, into findings: inout Findings) {
        guard let vendorLength = ByteFields.le(bytes, start, 4), vendorLength <= bytes.count - start - 4 else {
            findings.add(MediaWords.otherTags)
            return
        }
        if vendorLength > 0 { findings.add(MediaWords.software) }
        var at = start + 4 + vendorLength
        guard let count = ByteFields.le(bytes, at, 4) else {
            findings.add(MediaWords.otherTags)
            return
        }
        at += 4
        var seen = 0
        while seen < count {
            guard let length = ByteFields.le(bytes, at, 4), length <= bytes.count - at - 4 else {
                findings.add(MediaWords.otherTags)
                return
            }
            let field = bytes[(at + 4)..<(at + 4 + length)]
            let name = field.firstIndex(of: UInt8(ascii: "=")).map { field[field.startIndex..<$0] } ?? field
            let (words, identifying) = MediaWords.forField(ByteFields.text(name))
            findings.add(words, identifying: identifying)
            at += 4 + length
            seen += 1
        }
    }

    /// A comment block with no fields and an empty vendor string.
    static let empty: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
}
