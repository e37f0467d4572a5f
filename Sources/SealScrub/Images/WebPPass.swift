import SealCore

enum WebPPass {
    struct Chunk: Equatable {
        let type: [UInt8]
        let size: Int
        let keep: Bool
    }

    struct Plan {
        var chunks: [Chunk] = []
        var findings = Findings()
        var riffSize = 0
        /// Feature flags to clear in VP8X (ICC 0x20, EXIF 0x08, XMP 0x04).
        var clearFlags: UInt8 = 0
    }

    static let imageChunks: Set<String> = ["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF"]
    /// A WebP file has a handful of chunks; a bound keeps the plan small for hostile input.
    static let maxChunks = 100_000
    static let metadataReadLimit = 4 << 20

    static func plan(_ input: InputFile) throws -> Plan {
        let reader = try ImageReader(input, format: "WebP")
        let header = try reader.bytes(12, "the RIFF header")
        let view = ByteView(header, bigEndian: false)
        guard view.hasPrefix("RIFF"), view.hasPrefix("WEBP", at: 8), let declared = view.u32(4) else {
            throw reader.malformed("it does not start with a RIFF WEBP header")
        }
        guard declared >= 4, declared % 2 == 0 else { throw reader.malformed("the RIFF size \(declared) is impossible") }
        guard declared + 8 <= reader.size else { throw reader.malformed("the RIFF size points past the end of the file") }
        var plan = Plan()
        var end = declared + 8
        var first = true
        var imageSeen = false
        while reader.position < end {
            guard plan.chunks.count < maxChunks else { throw reader.malformed("it has more than \(maxChunks) chunks") }
            let chunkHeader = try reader.bytes(8, "a chunk header")
            let cv = ByteView(chunkHeader, bigEndian: false)
            guard let size = cv.u32(4) else { throw reader.malformed("a chunk header is damaged") }
            let type = Array(chunkHeader[0..<4])
            let name = String(decoding: type, as: UTF8.self)
            let padded = size + (size & 1)
            guard padded <= end - reader.position else { throw reader.malformed("the \(UntrustedLabel.tag(type)) chunk runs past the end of the RIFF data") }
            if first {
                guard ["VP8 ", "VP8L", "VP8X"].contains(name) else { throw reader.malformed("the first chunk is not an image or VP8X chunk") }
                first = false
            }
            if ["VP8 ", "VP8L", "ANMF"].contains(name) { imageSeen = true }
            var keep = imageChunks.contains(name)
            switch name {
            case "EXIF":
                let body = try reader.bytes(min(size, metadataReadLimit), "the EXIF chunk")
                try reader.copy(padded - body.count, to: nil, what: "the EXIF chunk")
                let tiff = ByteView(body).hasPrefix("Exif\0\0") ? Array(body.dropFirst(6)) : body
                let summary = ImageMetadata.exif(tiff: tiff)
                for f in summary.findings { plan.findings.add(f.words, identifying: f.identifying) }
                if summary.findings.isEmpty {
                    // Nothing named: still say what went, so the list matches the change.
                    plan.findings.add(summary.orientation == nil ? "EXIF metadata" : "EXIF orientation",
                                      identifying: summary.orientation == nil)
                }
                plan.clearFlags |= 0x08
            case "XMP ":
                let body = try reader.bytes(min(size, metadataReadLimit), "the XMP chunk")
                try reader.copy(padded - body.count, to: nil, what: "the XMP chunk")
                plan.findings.add(contentsOf: ImageMetadata.xmp(body))
                plan.clearFlags |= 0x04
            case "ICCP":
                let body = try reader.bytes(min(size, 4096), "the ICC profile chunk")
                try reader.copy(padded - body.count, to: nil, what: "the ICC profile chunk")
                plan.findings.add("colour profile", identifying: ImageMetadata.iccNamesDevice(body))
                plan.clearFlags |= 0x20
            case "VP8X":
                guard size >= 10 else { throw reader.malformed("the VP8X chunk is too short") }
                try reader.copy(padded, to: nil, what: "the VP8X chunk")
            default:
                try reader.copy(padded, to: nil, what: "the \(UntrustedLabel.tag(type)) chunk")
                if !keep { plan.findings.add("unknown chunk \"\(UntrustedLabel.tag(type))\"") }
            }
            if name == "ICCP" || name == "EXIF" || name == "XMP " { keep = false }
            plan.chunks.append(Chunk(type: type, size: size, keep: keep))
        }
        guard imageSeen else { throw reader.malformed("it has no image data") }
        if try !reader.atEnd() { plan.findings.add("data after the end of the image") }
        end = 4 + plan.chunks.filter(\.keep).reduce(0) { $0 + 8 + $1.size + ($1.size & 1) }
        plan.riffSize = end
        return plan
    }

    static func write(_ plan: Plan, from reader: ImageReader, to sink: ImageSink) throws {
        let changed = reader.malformed("it changed while it was being cleaned")
        let header = try reader.bytes(12, "the RIFF header")
        try sink.write(Array("RIFF".utf8) + ByteFields.leBytes(plan.riffSize, width: 4) + Array(header[8..<12]))
        for chunk in plan.chunks {
            let chunkHeader = try reader.bytes(8, "a chunk header")
            let size = ByteView(chunkHeader, bigEndian: false).u32(4)
            guard Array(chunkHeader[0..<4]) == chunk.type, size == chunk.size else { throw changed }
            let padded = chunk.size + (chunk.size & 1)
            guard chunk.keep else {
                try reader.copy(padded, to: nil, what: "a chunk")
                continue
            }
            try sink.write(chunkHeader)
            if chunk.type == Array("VP8X".utf8) {
                var body = try reader.bytes(padded, "the VP8X chunk")
                body[0] &= ~plan.clearFlags
                try sink.write(body)
            } else {
                try reader.copy(padded, to: sink, what: "a chunk")
            }
        }
    }
}
