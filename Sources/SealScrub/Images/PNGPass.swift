import SealCore

struct PNGPass: ImagePass {
    let reader: ImageReader
    let sink: ImageSink?
    var findings = Findings()

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Needed to decode or to show the right colours; all of them hold only numbers.
    static let kept: Set<String> = [
        "IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD",
        "cICP", "mDCv", "cLLi", "acTL", "fcTL", "fdAT",
    ]
    /// Text chunks whose keyword says what they hold.
    static let textKeywords: [String: String] = [
        "author": "author name", "artist": "owner/artist name", "copyright": "copyright notice",
        "creation time": "date and time taken", "date:create": "date and time taken",
        "date:modify": "date and time taken", "date:timestamp": "date and time taken",
        "software": "software", "comment": "comment", "description": "image description",
        "title": "title", "source": "camera make and model", "disclaimer": "text notes", "warning": "text notes",
        "xml:com.adobe.xmp": "XMP metadata",
        "raw profile type exif": "EXIF metadata", "raw profile type app1": "EXIF metadata",
        "raw profile type iptc": "IPTC metadata", "raw profile type 8bim": "Photoshop data",
        "raw profile type xmp": "XMP metadata", "raw profile type icc": "colour profile",
        "raw profile type icm": "colour profile",
    ]
    /// The largest eXIf chunk read to name its contents; a larger one is dropped unread.
    static let exifReadLimit = 4 << 20

    init(_ reader: ImageReader, sink: ImageSink?) {
        self.reader = reader
        self.sink = sink
    }

    mutating func run() throws {
        guard try reader.bytes(8, "the PNG signature") == Self.signature else {
            throw reader.malformed("it does not start with the PNG signature")
        }
        try sink?.write(Self.signature)
        var first = true
        var imageDataSeen = false
        while true {
            // Some writers (old LibreOffice among them) stop after the last image-data chunk
            // without the end marker. The picture is whole, so the marker is added.
            if imageDataSeen, try reader.atEnd() {
                try writeChunk("IEND", [])
                findings.add("missing end-of-image marker (added)", identifying: false)
                return
            }
            let header = try reader.bytes(8, "a chunk header")
            let view = ByteView(header)
            guard let length = view.u32(0), length <= 0x7FFF_FFFF else {
                throw reader.malformed("a chunk declares a length above the PNG limit of 2^31-1 bytes")
            }
            guard length + 4 <= reader.remaining else { throw reader.malformed("a chunk's length points past the end of the file") }
            let typeBytes = Array(header[4..<8])
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw reader.malformed("a chunk has an invalid type code")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            if first {
                guard type == "IHDR" else { throw reader.malformed("the first chunk is not IHDR") }
                first = false
            }
            if type == "IDAT" { imageDataSeen = true }
            if Self.kept.contains(type) {
                try sink?.write(header)
                try reader.copy(length + 4, to: sink, what: "the \(type) chunk")
                if type == "IEND" {
                    if try !reader.atEnd() { findings.add("data after the end of the image") }
                    guard imageDataSeen else { throw reader.malformed("it has no image data") }
                    return
                }
                continue
            }
            // Ancillary chunks have a lowercase first letter; an unknown critical chunk
            // means the image cannot be shown without it, and we cannot judge it.
            guard typeBytes[0] & 0x20 != 0 else {
                throw ScrubError.refused(name: reader.name, format: "PNG", reason: "unknown critical chunk \"\(UntrustedLabel.tag(typeBytes))\"")
            }
            try dropped(type, length: length)
        }
    }

    private mutating func dropped(_ type: String, length: Int) throws {
        switch type {
        case "tEXt", "zTXt", "iTXt":
            // The keyword (1-79 bytes, then a NUL) is enough to name the chunk.
            let head = try reader.bytes(min(length, 80), "a text chunk")
            try reader.copy(length - head.count + 4, to: nil, what: "a text chunk")
            let keyword = String(decoding: head.prefix { $0 != 0 }, as: UTF8.self).lowercased()
            if let words = Self.textKeywords[keyword] {
                findings.add(words)
            } else if keyword == "make" || keyword == "model" {
                findings.add("camera make and model")
            } else if keyword.contains("serial") {
                findings.add("camera serial number")
            } else if keyword.hasPrefix("gps") || keyword.contains("location") {
                findings.add("GPS position")
            } else {
                findings.add("text note \"\(UntrustedLabel.tag(Array(keyword.utf8)))\"")
            }
        case "eXIf", "exIf", "zxIf":
            if length <= Self.exifReadLimit {
                let body = try reader.bytes(length, "the EXIF chunk")
                try reader.copy(4, to: nil, what: "the EXIF chunk")
                let tiff = ByteView(body).hasPrefix("Exif\0\0") ? Array(body.dropFirst(6)) : body
                let summary = ImageMetadata.exif(tiff: tiff)
                for f in summary.findings { findings.add(f.words, identifying: f.identifying) }
                if type == "eXIf", let o = summary.orientation, ImageMetadata.turningOrientations.contains(o) {
                    try writeChunk("eXIf", ImageMetadata.orientationOnlyTIFF(o))
                }
            } else {
                try reader.copy(length + 4, to: nil, what: "the EXIF chunk")
                findings.add("EXIF metadata")
            }
        default:
            try reader.copy(length + 4, to: nil, what: "the \(type) chunk")
            switch type {
            case "tIME": findings.add("date and time modified")
            case "iCCP": findings.add("colour profile", identifying: false)
            case "pHYs": findings.add("pixel density setting", identifying: false)
            case "sPLT", "hIST", "oFFs", "pCAL", "sCAL", "sTER", "gIFg", "gIFx", "dSIG", "iDOT":
                findings.add("other chunk \"\(type)\"", identifying: false)
            default: findings.add("private chunk \"\(type)\"")
            }
        }
    }

    private func writeChunk(_ type: String, _ data: [UInt8]) throws {
        let typeAndData = Array(type.utf8) + data
        try sink?.write(ByteFields.beBytes(data.count, width: 4) + typeAndData + ByteFields.beBytes(Int(CRC32.checksum(typeAndData)), width: 4))
    }
}
