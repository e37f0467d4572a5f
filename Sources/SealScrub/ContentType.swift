import SealCore

/// Detects what a file is from its first bytes, never from its name: a renamed file must
/// not slip past a scrubber chosen by extension.
public enum ContentType: Equatable, Sendable {
    case jpeg, png, gif, webp, heif, pdf, zip, mp4, mov, m4a, mp3, flac, ogg, text, unknown

    public static func detect(_ head: [UInt8]) -> ContentType {
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + bytes.count && Array(head[offset..<(offset + bytes.count)]) == bytes
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("GIF8".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("ftyp".utf8), at: 4) {
            let brand = head.count >= 12 ? String(decoding: head[8..<12], as: UTF8.self) : ""
            if ["heic", "heix", "mif1", "msf1", "heim", "heis", "avif"].contains(brand) { return .heif }
            if brand == "qt  " { return .mov }
            if ["M4A ", "M4B ", "M4P ", "F4A ", "F4B "].contains(brand) { return .m4a }
            return .mp4
        }
        // Older QuickTime files start straight with an atom, without 'ftyp'. Its 32-bit size
        // has a byte no text has, so "Get free..." stays text.
        if head.count >= 8, ["moov", "mdat", "wide", "free", "skip", "pnot"].contains(String(decoding: head[4..<8], as: UTF8.self)),
           head[0..<4].contains(where: { $0 < 0x20 || $0 > 0x7E }) {
            return .mov
        }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return .zip }
        if starts(Array("ID3".utf8)) || isMPEGAudioFrame(head) { return .mp3 }
        if starts(Array("fLaC".utf8)) { return .flac }
        if starts(Array("OggS".utf8)) { return .ogg }
        if isText(head) { return .text }
        return .unknown
    }

    /// An MPEG audio frame header: 11 sync bits, then a version, layer, bitrate and sample
    /// rate that are not the reserved values (which also keeps AAC ADTS, layer 0, out).
    static func isMPEGAudioFrame(_ head: [UInt8]) -> Bool {
        guard head.count >= 4, head[0] == 0xFF, head[1] & 0xE0 == 0xE0 else { return false }
        let version = (head[1] >> 3) & 3, layer = (head[1] >> 1) & 3
        let bitrate = head[2] >> 4, rate = (head[2] >> 2) & 3
        return version != 1 && layer != 0 && bitrate != 15 && rate != 3
    }

    /// UTF-8 with no NUL and no control characters beyond tab, newline, carriage return and
    /// form feed. A cut multi-byte character at the end of the sample is allowed.
    static func isText(_ bytes: [UInt8]) -> Bool {
        // A sample may end inside a multi-byte character: allow up to 3 cut-off bytes.
        for cut in 0...min(3, bytes.count) {
            let sample = bytes.dropLast(cut)
            if String(validating: sample, as: UTF8.self) != nil {
                return !sample.contains { ($0 < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D].contains($0)) || $0 == 0x7F }
            }
        }
        return false
    }

    public var mimeType: String {
        switch self {
        case .jpeg: return "image/jpeg"
        case .png: return "image/png"
        case .gif: return "image/gif"
        case .webp: return "image/webp"
        case .heif: return "image/heif"
        case .pdf: return "application/pdf"
        case .zip: return "application/zip"
        case .mp4: return "video/mp4"
        case .mov: return "video/quicktime"
        case .m4a: return "audio/mp4"
        case .mp3: return "audio/mpeg"
        case .flac: return "audio/flac"
        case .ogg: return "audio/ogg"
        case .text: return "text/plain; charset=utf-8"
        case .unknown: return "application/octet-stream"
        }
    }
}
