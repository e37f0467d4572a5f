import SealCore

/// One pass over a JPEG; with no sink it only looks.
struct JPEGPass: ImagePass {
    let reader: ImageReader
    let sink: ImageSink?
    var findings = Findings()

    /// Kept segments before the first scan, held back so the rewritten JFIF and EXIF blocks
    /// can go first, where decoders look for them. Tables are small; the bound stops a file
    /// of endless table segments from growing memory.
    private var held: [UInt8] = []
    private static let heldLimit = 16 << 20
    private var headerWritten = false
    private var jfif: [UInt8]?
    private var adobeSeen = false
    private var orientation: Int?
    private var orientationSeen = false
    private var frameSeen = false
    private var scanSeen = false

    init(_ reader: ImageReader, sink: ImageSink?) {
        self.reader = reader
        self.sink = sink
    }

    mutating func run() throws {
        guard try reader.bytes(2, "the start-of-image marker") == [0xFF, 0xD8] else {
            throw reader.malformed("it does not start with a start-of-image marker")
        }
        var pending: UInt8? = nil
        while true {
            let marker: UInt8
            if let p = pending {
                marker = p
                pending = nil
            } else {
                marker = try nextMarker()
            }
            switch marker {
            case 0xD9:
                guard scanSeen else { throw reader.malformed("it ends before any image data") }
                try emit([0xFF, 0xD9])
                if try !reader.atEnd() { findings.add("data after the end of the image") }
                return
            case 0xD8:
                throw reader.malformed("a second start-of-image marker appears inside the image")
            case 0x01, 0xD0...0xD7:
                // Standalone markers carry no data; keep them where they are.
                try emit([0xFF, marker])
            default:
                let length = try segmentLength(marker)
                switch marker {
                case 0xE0...0xEF, 0xFE:
                    try applicationSegment(marker, payload: reader.bytes(length, "a metadata segment"))
                case 0xDA:
                    guard frameSeen else { throw reader.malformed("image data appears before the frame header") }
                    let header = try reader.bytes(length, "a scan header")
                    guard Self.wellFormed(marker, header) else { throw reader.malformed("a scan header is damaged") }
                    try writeHeaderIfNeeded()
                    try emit([0xFF, 0xDA] + ByteFields.beBytes(length + 2, width: 2) + header)
                    scanSeen = true
                    pending = try reader.copyEntropyData(to: sink)
                case 0xC0...0xCF, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xF7, 0xF8:
                    // Frame headers, tables, restart interval, number of lines, hierarchical
                    // and JPEG-LS segments: needed to decode, and they hold only numbers.
                    if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) { frameSeen = true }
                    let payload = try reader.bytes(length, "a table segment")
                    guard Self.wellFormed(marker, payload) else {
                        throw reader.malformed("a segment of type 0x\(String(marker, radix: 16, uppercase: true)) is damaged")
                    }
                    try emit([0xFF, marker] + ByteFields.beBytes(length + 2, width: 2) + payload)
                default:
                    throw reader.malformed("it holds an unknown segment type 0x\(String(marker, radix: 16, uppercase: true))")
                }
            }
        }
    }

    /// Kept segments must parse exactly: a damaged marker byte could otherwise turn an
    /// EXIF block into a "table" that is copied to the output.
    static func wellFormed(_ marker: UInt8, _ p: [UInt8]) -> Bool {
        switch marker {
        case 0xC0...0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF, 0xDE:
            // Frame header: precision, height, width, component count, 3 bytes each.
            return p.count >= 6 && p[5] >= 1 && p.count == 6 + 3 * Int(p[5])
        case 0xDA:
            return p.count >= 1 && p[0] >= 1 && p.count == 1 + 2 * Int(p[0]) + 3
        case 0xC4:
            var at = 0
            while at < p.count {
                guard at + 17 <= p.count else { return false }
                at += 17 + p[(at + 1)..<(at + 17)].reduce(0) { $0 + Int($1) }
            }
            return at == p.count && !p.isEmpty
        case 0xDB:
            var at = 0
            while at < p.count { at += 1 + (p[at] >> 4 == 0 ? 64 : 128) }
            return at == p.count && !p.isEmpty
        case 0xCC:
            return !p.isEmpty && p.count % 2 == 0
        case 0xDD, 0xDC:
            return p.count == 2
        case 0xDF:
            return p.count == 1
        default:
            // JPEG-LS segments (F7, F8) vary; they are rare and hold only coding parameters.
            return true
        }
    }

    /// Between segments only 0xFF fill bytes may stand before a marker; anything else is a
    /// damaged file (or a hiding place) and is refused.
    private mutating func nextMarker() throws -> UInt8 {
        guard let first = try reader.byte() else { throw reader.malformed("it ends without an end-of-image marker") }
        guard first == 0xFF else { throw reader.malformed("unexpected bytes between segments at offset \(reader.position - 1)") }
        while true {
            guard let code = try reader.byte() else { throw reader.malformed("it ends without an end-of-image marker") }
            if code == 0xFF { continue }
            guard code != 0x00 else { throw reader.malformed("unexpected bytes between segments at offset \(reader.position - 2)") }
            return code
        }
    }

    private func segmentLength(_ marker: UInt8) throws -> Int {
        let raw = try reader.bytes(2, "a segment length")
        let length = Int(raw[0]) << 8 | Int(raw[1])
        guard length >= 2 else { throw reader.malformed("a segment declares an impossible length \(length)") }
        guard length - 2 <= reader.remaining else { throw reader.malformed("a segment's length points past the end of the file") }
        return length - 2
    }

    private mutating func applicationSegment(_ marker: UInt8, payload: [UInt8]) throws {
        let view = ByteView(payload)
        switch marker {
        case 0xFE:
            findings.add("comment")
        case 0xE0 where view.hasPrefix("JFIF\0") && payload.count >= 14:
            if jfif == nil {
                // Version, density unit and density; the thumbnail size is set to 0x0.
                jfif = Array(payload[0..<12]) + [0, 0]
            }
            if payload[12] != 0 && payload[13] != 0 { findings.add("thumbnail image") }
        case 0xE0 where view.hasPrefix("JFXX\0"):
            findings.add("thumbnail image")
        case 0xE1 where view.hasPrefix("Exif\0"):
            let summary = ImageMetadata.exif(tiff: Array(payload.dropFirst(6)))
            for f in summary.findings { findings.add(f.words, identifying: f.identifying) }
            // The first EXIF block before the image data decides; a later one cannot be
            // moved ahead of data already written.
            if !orientationSeen, !headerWritten, let o = summary.orientation {
                orientationSeen = true
                if ImageMetadata.turningOrientations.contains(o) { orientation = o }
            }
        case 0xE1 where view.hasPrefix("http://ns.adobe.com/xap/1.0/\0"):
            findings.add(contentsOf: ImageMetadata.xmp(payload))
        case 0xE1 where view.hasPrefix("http://ns.adobe.com/xmp/extension/\0"):
            findings.add(contentsOf: ImageMetadata.xmp(payload))
        case 0xE2 where view.hasPrefix("ICC_PROFILE\0"):
            // Only the first part carries the header and tag table.
            let named = payload.count > 14 && payload[12] == 1 && ImageMetadata.iccNamesDevice(Array(payload.dropFirst(14)))
            findings.add("colour profile", identifying: named)
        case 0xE2 where view.hasPrefix("MPF\0"):
            findings.add("multi-picture index (second images)")
        case 0xE2 where view.hasPrefix("FPXR\0"):
            findings.add("FlashPix data")
        case 0xED where view.hasPrefix("Photoshop 3.0\0"):
            findings.add(contentsOf: ImageMetadata.photoshopResources(Array(payload.dropFirst(14))))
        case 0xEE where view.hasPrefix("Adobe") && payload.count >= 12:
            guard !adobeSeen else { return }
            adobeSeen = true
            // Version, flags and the colour transform a decoder needs; nothing more.
            try emit([0xFF, 0xEE] + ByteFields.beBytes(14, width: 2) + Array(payload[0..<12]))
        default:
            let label = UntrustedLabel.tag(payload, limit: 16)
            let number = Int(marker) - 0xE0
            findings.add(label.isEmpty ? "other embedded data (APP\(number))" : "other embedded data (APP\(number) \"\(label)\")")
        }
    }

    /// Kept bytes go out in order; before the first scan they wait in `held`.
    private mutating func emit(_ bytes: [UInt8]) throws {
        if headerWritten {
            try sink?.write(bytes)
            return
        }
        guard held.count + bytes.count <= Self.heldLimit else {
            throw reader.malformed("its header segments are larger than \(Self.heldLimit >> 20) MiB")
        }
        held += bytes
    }

    private mutating func writeHeaderIfNeeded() throws {
        guard !headerWritten else { return }
        headerWritten = true
        var head: [UInt8] = [0xFF, 0xD8]
        if let jfif { head += [0xFF, 0xE0] + ByteFields.beBytes(jfif.count + 2, width: 2) + jfif }
        if let orientation {
            let block = Array("Exif".utf8) + [0, 0] + ImageMetadata.orientationOnlyTIFF(orientation)
            head += [0xFF, 0xE1] + ByteFields.beBytes(block.count + 2, width: 2) + block
        }
        try sink?.write(head)
        try sink?.write(held)
        held = []
    }
}
