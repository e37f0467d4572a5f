/// Detects what a file is from its first bytes, never from its name: a renamed file must
/// not slip past a scrubber chosen by extension.
public enum ContentType: Equatable, Sendable {
    case jpeg, png, gif, webp, heif, pdf, zip, mp4, mp3, flac, ogg, text, unknown

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
            return ["heic", "heix", "mif1", "msf1", "heim", "heis", "avif"].contains(brand) ? .heif : .mp4
        }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return .zip }
        if starts(Array("ID3".utf8)) || starts([0xFF, 0xFB]) || starts([0xFF, 0xF3]) || starts([0xFF, 0xF2]) { return .mp3 }
        if starts(Array("fLaC".utf8)) { return .flac }
        if starts(Array("OggS".utf8)) { return .ogg }
        if isText(head) { return .text }
        return .unknown
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
        case .mp3: return "audio/mpeg"
        case .flac: return "audio/flac"
        case .ogg: return "audio/ogg"
        case .text: return "text/plain; charset=utf-8"
        case .unknown: return "application/octet-stream"
        }
    }
}
