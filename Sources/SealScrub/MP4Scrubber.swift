import Foundation
import SealCore

/// Phone videos (MP4, QuickTime MOV) and M4A voice memos. The metadata lives in the
/// `moov` index, which is small: it is rebuilt in memory without `udta`, `meta`, `uuid` and
/// `©xyz` boxes, with its dates zeroed, and the media data (`mdat`, possibly gigabytes) is
/// streamed through untouched. Removing bytes before `mdat` moves the media, so every
/// absolute offset into it (`stco`, `co64`, `saio`, a fragment's base offset) is
/// recomputed; anything that points where it cannot be followed is refused.
struct MP4Scrubber: Scrubber {
    var types: [ContentType] { [.mp4, .mov, .m4a] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let source = try MediaSource(input, format: "MP4/QuickTime")
        let plan = try MP4Plan(source)
        try plan.write(to: output)
        return plan.findings.removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        let source = try MediaSource(input, format: "MP4/QuickTime")
        return try MP4Plan(source).findings.identifying
    }
}

/// Box types the MP4 scrubber acts on.
enum MP4Type {
    static let ftyp = ISOBox.code("ftyp"), moov = ISOBox.code("moov"), mdat = ISOBox.code("mdat")
    static let free = ISOBox.code("free"), skip = ISOBox.code("skip"), wide = ISOBox.code("wide")
    static let junk = ISOBox.code("junk")
    static let udta = ISOBox.code("udta"), meta = ISOBox.code("meta"), uuid = ISOBox.code("uuid")
    static let moof = ISOBox.code("moof"), traf = ISOBox.code("traf"), tfhd = ISOBox.code("tfhd")
    static let mfra = ISOBox.code("mfra"), sidx = ISOBox.code("sidx"), ssix = ISOBox.code("ssix")
    static let styp = ISOBox.code("styp"), prft = ISOBox.code("prft"), emsg = ISOBox.code("emsg")
    static let pdin = ISOBox.code("pdin"), pnot = ISOBox.code("pnot"), pict = ISOBox.code("PICT")
    static let trak = ISOBox.code("trak"), mdia = ISOBox.code("mdia"), minf = ISOBox.code("minf")
    static let stbl = ISOBox.code("stbl"), edts = ISOBox.code("edts"), dinf = ISOBox.code("dinf")
    static let mvex = ISOBox.code("mvex"), mvhd = ISOBox.code("mvhd"), tkhd = ISOBox.code("tkhd")
    static let mdhd = ISOBox.code("mdhd"), hdlr = ISOBox.code("hdlr"), stsd = ISOBox.code("stsd")
    static let dref = ISOBox.code("dref"), stco = ISOBox.code("stco"), co64 = ISOBox.code("co64")
    static let saio = ISOBox.code("saio"), stsc = ISOBox.code("stsc"), stsz = ISOBox.code("stsz")
    static let stz2 = ISOBox.code("stz2"), cmov = ISOBox.code("cmov")
    static let keys = ISOBox.code("keys"), ilst = ISOBox.code("ilst"), iloc = ISOBox.code("iloc")
    static let xmp = ISOBox.code("XMP_"), xml = ISOBox.code("xml "), id32 = ISOBox.code("ID32")
    static let freeform = ISOBox.code("----"), name = ISOBox.code("name")
    static let vide = ISOBox.code("vide"), soun = ISOBox.code("soun"), metaHandler = ISOBox.code("meta"), camm = ISOBox.code("camm")
    static let tmcd = ISOBox.code("tmcd")
}

private typealias T = MP4Type

/// What to do with each top-level box, the new layout, and the rebuilt `moov`.
private struct MP4Plan {
    enum Action { case copy, drop, moov, blank }

    struct Top {
        let box: ISOBox
        var action: Action
        var newStart = 0
        var patches: [(at: Int, bytes: [UInt8])] = []
    }

    /// A field holding an absolute file offset, found in the rebuilt `moov` or in a box
    /// that is copied from the file.
    struct OffsetField {
        enum Place { case moov(Int), file(Int, top: Int) }
        let place: Place
        let width: Int
        let value: Int
    }

    /// Larger indexes exist only in hours-long recordings; refusing them keeps memory bounded.
    static let maxMoov = 64 << 20
    static let maxFragmentHeader = 16 << 20
    static let maxTopBoxes = 1 << 20

    let source: MediaSource
    private(set) var tops: [Top] = []
    private(set) var findings = MediaFindings()
    private var moov: [UInt8] = []
    /// Sample data of dropped timed-metadata tracks, zeroed as it is copied (file offsets, sorted).
    private var zeroed: [Range<Int>] = []

    init(_ source: MediaSource) throws {
        self.source = source
        var boxes: [ISOBox] = []
        var at = 0
        while at < source.size {
            guard boxes.count < MP4Plan.maxTopBoxes else { throw source.refused("more than \(MP4Plan.maxTopBoxes) top-level boxes") }
            let head = try source.peek(at: at, count: 16)
            guard head.count >= 8 else {
                throw source.malformed("\(head.count) stray bytes at the end of the file")
            }
            let box = try ISOBox.parse(head, at: 0, offset: at, limit: source.size, fail: { source.malformed($0) })
            boxes.append(box)
            at = box.end
        }
        let movies = boxes.filter { $0.type == T.moov }
        guard let movie = movies.first else { throw source.malformed("it has no movie header ('moov' box)") }
        guard movies.count == 1 else { throw source.malformed("it has \(movies.count) movie headers ('moov' boxes)") }
        guard movie.size <= MP4Plan.maxMoov else {
            throw source.refused("its movie header is \(movie.size) bytes, more than the \(MP4Plan.maxMoov >> 20) MiB this tool handles")
        }

        var fields: [OffsetField] = []
        // A segment index points at what follows it by relative sizes: nothing after it may
        // change size or disappear.
        var afterSegmentIndex = false
        for box in boxes {
            var top = Top(box: box, action: .copy)
            switch box.type {
            case T.ftyp, T.mdat, T.ssix, T.styp, T.pdin:
                break
            case T.sidx:
                afterSegmentIndex = true
            case T.moof:
                fields += try scanFragment(box, top: tops.count)
            case T.moov:
                top.action = .moov
            case T.free, T.skip, T.wide, T.junk:
                // Free space may hold the remains of metadata an editor removed in place.
                top.action = afterSegmentIndex ? .blank : .drop
            case T.mfra:
                // An optional random-access index with absolute offsets; players rebuild it.
                top.action = .drop
            case T.prft:
                // The producer's wall-clock time at encoding: keep the box, zero the time.
                let content = try source.read(at: box.contentStart, count: min(box.size - box.headerSize, 16), "a 'prft' box")
                if content.count >= 16 {
                    if content[8..<16].contains(where: { $0 != 0 }) { findings.add(MediaWords.date) }
                    top.patches = [(at: box.contentStart + 8, bytes: [UInt8](repeating: 0, count: 8))]
                }
            case T.emsg:
                throw source.refused("it carries event messages ('emsg'), which may hold tags this tool cannot clean")
            default:
                if MP4Metadata.isMetadata(box.type) {
                    let bytes = try source.read(at: box.start, count: min(box.size, MP4Plan.maxFragmentHeader), "box '\(box.name)'")
                    let described = ISOBox(type: box.type, start: 0, headerSize: box.headerSize, size: bytes.count, large: box.large)
                    if MP4Metadata.describe(described, in: bytes, into: &findings, depth: 0) {
                        throw source.refused("its metadata items point into the media data")
                    }
                } else {
                    findings.add("unrecognised data ('\(box.name)' box)")
                }
                guard !afterSegmentIndex else {
                    throw source.refused("box '\(box.name)' sits among indexed movie fragments and cannot be removed safely")
                }
                top.action = .drop
            }
            tops.append(top)
        }

        let movieBytes = try source.read(at: movie.start, count: movie.size, "the movie header")
        var rewriter = MoovRewriter(src: movieBytes, source: source)
        try rewriter.run()
        findings.merge(rewriter.findings)
        moov = rewriter.out
        zeroed = MP4Plan.merged(rewriter.zeroed)
        fields += rewriter.fields.map { OffsetField(place: .moov($0.at), width: $0.width, value: $0.value) }

        try layOut(fields)
    }

    /// Reads a movie fragment's header to find absolute base offsets, and refuses metadata
    /// inside it: data offsets inside a fragment are relative to it, so it must not shrink.
    private func scanFragment(_ box: ISOBox, top: Int) throws -> [OffsetField] {
        guard box.size <= MP4Plan.maxFragmentHeader else { throw source.refused("a movie fragment header is larger than \(MP4Plan.maxFragmentHeader >> 20) MiB") }
        let bytes = try source.read(at: box.start, count: box.size, "a movie fragment")
        var fields: [OffsetField] = []
        let moof = try ISOBox.parse(bytes, at: 0, limit: bytes.count, fail: { source.malformed($0) })
        var fragmentFindings = MediaFindings()
        for child in try strictChildren(bytes, moof.contentRange) {
            if child.type == T.traf {
                for item in try strictChildren(bytes, child.contentRange) {
                    if item.type == T.tfhd {
                        let c = item.contentStart
                        guard let flags = MediaBytes.be(bytes, c + 1, 3), item.size - item.headerSize >= 8 else {
                            throw source.malformed("a track fragment header is cut short")
                        }
                        if flags & 1 != 0 {
                            guard let base = MediaBytes.be(bytes, c + 8, 8) else { throw source.malformed("a track fragment header is cut short") }
                            fields.append(OffsetField(place: .file(box.start + c + 8, top: top), width: 8, value: base))
                        }
                    } else if MP4Metadata.describes(item.type) || MP4Metadata.isXMP(item, in: bytes) {
                        _ = MP4Metadata.describe(item, in: bytes, into: &fragmentFindings, depth: 0)
                    }
                }
            } else if MP4Metadata.describes(child.type) || MP4Metadata.isXMP(child, in: bytes) {
                _ = MP4Metadata.describe(child, in: bytes, into: &fragmentFindings, depth: 0)
            }
        }
        guard fragmentFindings.identifying.isEmpty else {
            throw source.refused("a movie fragment carries \(fragmentFindings.identifying.joined(separator: ", ")), which cannot be removed without breaking it")
        }
        return fields
    }

    private func strictChildren(_ bytes: [UInt8], _ range: Range<Int>) throws -> [ISOBox] {
        var boxes: [ISOBox] = []
        var at = range.lowerBound
        while at + 8 <= range.upperBound {
            let box = try ISOBox.parse(bytes, at: at, limit: range.upperBound, fail: { source.malformed($0) })
            boxes.append(box)
            at = box.end
        }
        return boxes
    }

    /// Places every kept box, then rewrites each absolute offset to where its byte now is.
    private mutating func layOut(_ fields: [OffsetField]) throws {
        var position = 0
        for i in tops.indices where tops[i].action != .drop {
            tops[i].newStart = position
            position += tops[i].action == .moov ? moov.count : tops[i].box.size
        }
        let targets = tops.indices.filter { tops[$0].action == .copy || tops[$0].action == .blank }
        func map(_ value: Int) throws -> Int {
            // The last kept box starting at or before `value`.
            var lo = 0, hi = targets.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if tops[targets[mid]].box.start <= value { lo = mid + 1 } else { hi = mid }
            }
            guard lo > 0, value < tops[targets[lo - 1]].box.end else {
                throw source.malformed("an offset (\(value)) points outside the media data")
            }
            let top = tops[targets[lo - 1]]
            return value - top.box.start + top.newStart
        }
        for field in fields {
            let value = try map(field.value)
            guard field.width == 8 || value <= Int(UInt32.max) else { throw source.malformed("an offset does not fit its field") }
            switch field.place {
            case .moov(let at):
                MediaBytes.putBE(value, width: field.width, into: &moov, at: at)
            case .file(let at, let owner):
                tops[owner].patches.append((at: at, bytes: MediaBytes.beBytes(value, width: field.width)))
            }
        }
        for i in tops.indices { tops[i].patches.sort { $0.at < $1.at } }
    }

    func write(to output: AtomicFile) throws {
        for top in tops {
            switch top.action {
            case .drop:
                continue
            case .moov:
                try output.write(moov)
            case .copy:
                try source.copy(from: top.box.start, count: top.box.size, to: output, zeroed: zeroed, patches: top.patches)
            case .blank:
                try source.copy(from: top.box.start, count: top.box.size, to: output, zeroed: [top.box.contentStart..<top.box.end])
            }
        }
    }

    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }
}

/// Rebuilds `moov` box by box into `out`, keeping what playback needs.
private struct MoovRewriter {
    let src: [UInt8]
    let source: MediaSource
    var out: [UInt8] = []
    /// Positions in `out` of absolute file offsets, with their old values.
    var fields: [(at: Int, width: Int, value: Int)] = []
    var findings = MediaFindings()
    var zeroed: [Range<Int>] = []

    /// Real files nest about seven deep; the bound stops a crafted file from recursing forever.
    static let maxDepth = 16

    init(src: [UInt8], source: MediaSource) {
        self.src = src
        self.source = source
        out.reserveCapacity(src.count)
    }

    func malformed(_ reason: String) -> ScrubError { source.malformed(reason) }

    mutating func run() throws {
        let moov = try ISOBox.parse(src, at: 0, limit: src.count, fail: { source.malformed($0) })
        try container(moov, depth: 0, handler: nil)
    }

    private mutating func container(_ box: ISOBox, depth: Int, handler: UInt32?) throws {
        guard depth < MoovRewriter.maxDepth else { throw malformed("boxes are nested more than \(MoovRewriter.maxDepth) deep") }
        let headerAt = out.count
        out += ISOBox.header(type: box.type, size: 0, large: box.large)
        var at = box.contentStart
        while at < box.end {
            if box.end - at < 8 {
                // A QuickTime list may end with a 32-bit zero; anything else is damage.
                guard src[at..<box.end].allSatisfy({ $0 == 0 }) else {
                    throw malformed("box '\(box.name)' ends with \(box.end - at) stray bytes")
                }
                break
            }
            let child = try ISOBox.parse(src, at: at, limit: box.end, fail: { source.malformed($0) })
            try element(child, depth: depth + 1, handler: handler)
            at = child.end
        }
        let size = out.count - headerAt
        if box.large {
            MediaBytes.putBE(size, width: 8, into: &out, at: headerAt + 8)
        } else {
            guard size <= Int(UInt32.max) else { throw malformed("box '\(box.name)' is too large") }
            MediaBytes.putBE(size, width: 4, into: &out, at: headerAt)
        }
    }

    private mutating func element(_ box: ISOBox, depth: Int, handler: UInt32?) throws {
        switch box.type {
        case T.trak:
            try track(box, depth: depth)
        case T.mdia, T.minf, T.stbl, T.edts, T.dinf, T.mvex, T.moov:
            try container(box, depth: depth, handler: handler)
        case T.mvhd, T.tkhd, T.mdhd:
            try timestamps(box)
        case T.hdlr:
            try handlerName(box)
        case T.stsd:
            try sampleDescriptions(box, handler: handler)
        case T.dref:
            try dataReferences(box)
            copy(box)
        case T.stco:
            try offsets(box, tableAt: 4, width: 4)
        case T.co64:
            try offsets(box, tableAt: 4, width: 8)
        case T.saio:
            try auxiliaryOffsets(box)
        case T.cmov:
            throw source.refused("its movie header is compressed ('cmov')")
        default:
            if MP4Metadata.isMetadata(box.type) {
                if MP4Metadata.describe(box, in: src, into: &findings, depth: 0) {
                    throw source.refused("its metadata items point into the media data")
                }
            } else if MoovRewriter.structural.contains(box.type) {
                copy(box)
            } else {
                // Kept only if known: a vendor box, or a damaged 'udta' whose type lost a
                // bit, may hold anything.
                findings.add("unrecognised data ('\(box.name)' box)")
            }
        }
    }

    /// Leaf boxes inside `moov` that playback uses and that hold no free text.
    static let structural: Set<UInt32> = Set([
        "iods", "prfl", "clip", "ctab", "pssh", "tref", "load", "imap", "matt", "kmat", "txas", "tapt", "meco",
        "elng", "vmhd", "smhd", "hmhd", "nmhd", "sthd", "gmhd", "stts", "ctts", "cslg", "stss", "stps", "stsh",
        "sdtp", "sbgp", "sgpd", "stsz", "stz2", "stsc", "subs", "saiz", "padb", "stdp", "elst", "mehd", "trex",
        "leva", "trep", "crgn", "kmat",
    ].map(ISOBox.code))

    private mutating func copy(_ box: ISOBox) {
        let at = out.count
        out += src[box.start..<box.end]
        // "To the end of the container" must not grow to cover what the rewrite moved.
        if MediaBytes.be(src, box.start, 4) == 0 { MediaBytes.putBE(box.size, width: 4, into: &out, at: at) }
    }

    /// Timed metadata tracks (Apple's `mebx`, GoPro's GPMF, Google's `camm`) carry
    /// positions and camera data as samples in `mdat`, and a timecode track usually holds
    /// the time of day the recording started: playback needs neither, so the track is
    /// dropped and its samples are zeroed, so the bytes do not travel even unreferenced.
    private mutating func track(_ box: ISOBox, depth: Int) throws {
        let handler = handlerType(of: box)
        if handler == T.metaHandler || handler == T.camm || handler == T.tmcd {
            zeroed += try sampleRanges(of: box)
            findings.add(handler == T.tmcd ? "timecode track (time of day of the recording)"
                                           : "timed metadata track (location, camera or sensor data)")
            return
        }
        try container(box, depth: depth, handler: handler)
    }

    private func handlerType(of trak: ISOBox) -> UInt32? {
        let ignore = {}
        guard let mdia = ISOBox.children(src, in: trak.contentRange, damaged: ignore).first(where: { $0.type == T.mdia }),
              let hdlr = ISOBox.children(src, in: mdia.contentRange, damaged: ignore).first(where: { $0.type == T.hdlr }),
              let type = MediaBytes.be(src, hdlr.contentStart + 8, 4), hdlr.contentStart + 12 <= hdlr.end
        else { return nil }
        return UInt32(truncatingIfNeeded: type)
    }

    /// The file ranges of every sample of a track, from its chunk offsets, sample-to-chunk
    /// and sample-size tables.
    private func sampleRanges(of trak: ISOBox) throws -> [Range<Int>] {
        func child(_ parent: ISOBox, _ type: UInt32) -> ISOBox? {
            ISOBox.children(src, in: parent.contentRange, damaged: {}).first { $0.type == type }
        }
        guard let mdia = child(trak, T.mdia), let minf = child(mdia, T.minf), let stbl = child(minf, T.stbl) else {
            throw malformed("a timed metadata track has no sample table")
        }
        if child(stbl, T.stz2) != nil { throw source.refused("a timed metadata track uses compact sample sizes") }
        guard let stsc = child(stbl, T.stsc), let stsz = child(stbl, T.stsz) else {
            throw malformed("a timed metadata track has no sample table")
        }
        var chunkOffsets: [Int] = []
        if let table = child(stbl, T.stco) ?? child(stbl, T.co64) {
            let width = table.type == T.stco ? 4 : 8
            let n = try tableCount(table, at: 4, width: width)
            for i in 0..<n {
                guard let v = MediaBytes.be(src, table.contentStart + 8 + i * width, width) else { throw malformed("a chunk offset table is cut short") }
                chunkOffsets.append(v)
            }
        }
        let runs = try tableCount(stsc, at: 4, width: 12)
        guard let fixedSize = MediaBytes.be(src, stsz.contentStart + 4, 4),
              let sampleCount = MediaBytes.be(src, stsz.contentStart + 8, 4) else { throw malformed("a sample size table is cut short") }
        if fixedSize == 0 {
            guard sampleCount <= (stsz.size - stsz.headerSize - 12) / 4 else { throw malformed("a sample size table is cut short") }
        }
        func sampleSize(_ i: Int) throws -> Int {
            guard let v = MediaBytes.be(src, stsz.contentStart + 12 + i * 4, 4) else { throw malformed("a sample size table is cut short") }
            return v
        }
        var ranges: [Range<Int>] = []
        var sample = 0
        for run in 0..<runs {
            let at = stsc.contentStart + 8 + run * 12
            guard let first = MediaBytes.be(src, at, 4), let perChunk = MediaBytes.be(src, at + 4, 4), first >= 1 else {
                throw malformed("a sample-to-chunk table is damaged")
            }
            let next = run + 1 < runs ? (MediaBytes.be(src, at + 12, 4) ?? 0) : chunkOffsets.count + 1
            guard next >= first, next - 1 <= chunkOffsets.count else { throw malformed("a sample-to-chunk table is damaged") }
            for chunk in (first - 1)..<(next - 1) {
                guard perChunk <= sampleCount - sample else { throw malformed("a sample-to-chunk table counts more samples than there are") }
                var length = 0
                if fixedSize != 0 {
                    let (product, overflow) = fixedSize.multipliedReportingOverflow(by: perChunk)
                    guard !overflow else { throw malformed("a metadata chunk is larger than the file") }
                    length = product
                } else {
                    for s in sample..<(sample + perChunk) {
                        length += try sampleSize(s)
                        guard length <= source.size else { throw malformed("a metadata chunk is larger than the file") }
                    }
                }
                sample += perChunk
                let start = chunkOffsets[chunk]
                guard start <= source.size, length <= source.size - start else { throw malformed("a metadata sample lies past the end of the file") }
                ranges.append(start..<(start + length))
            }
        }
        return ranges
    }

    private func tableCount(_ box: ISOBox, at: Int, width: Int) throws -> Int {
        guard let n = MediaBytes.be(src, box.contentStart + at, 4),
              n <= (box.size - box.headerSize - at - 4) / width else {
            throw malformed("table '\(box.name)' claims more entries than it holds")
        }
        return n
    }

    /// Creation and modification times (version 0: 32-bit, version 1: 64-bit) become zero.
    private mutating func timestamps(_ box: ISOBox) throws {
        let c = box.contentStart
        let width = src[c...].first == 1 ? 8 : 4
        guard box.end - c >= 4 + 2 * width else { throw malformed("box '\(box.name)' is cut short") }
        let dates = (c + 4)..<(c + 4 + 2 * width)
        if src[dates].contains(where: { $0 != 0 }) { findings.add(MediaWords.date) }
        let at = out.count
        copy(box)
        for i in dates { out[at + i - box.start] = 0 }
    }

    /// Handler names are free text ("Core Media Video", "GoPro AVC", an editor's name):
    /// kept as an empty string, which QuickTime's counted and ISO's terminated forms both
    /// read as empty. QuickTime also names the component's maker ("appl") in what ISO
    /// calls reserved bytes; they become zero, as ISO has them.
    private mutating func handlerName(_ box: ISOBox) throws {
        let c = box.contentStart
        guard box.end - c >= 24 else { throw malformed("a handler box is cut short") }
        out += ISOBox.header(type: box.type, size: box.headerSize + 25, large: box.large)
        out += src[c..<(c + 12)]
        out += [UInt8](repeating: 0, count: 13)
    }

    /// A visual sample entry's 32-byte compressor name often names the encoder or camera
    /// ("Lavc59.37.100 libx264"), and QuickTime's video and sound descriptions carry a
    /// vendor code ("appl", "FFMP"): both are blanked in place, so nothing moves.
    private mutating func sampleDescriptions(_ box: ISOBox, handler: UInt32?) throws {
        let at = out.count
        copy(box)
        guard handler == T.vide || handler == T.soun else { return }
        guard let count = MediaBytes.be(src, box.contentStart + 4, 4) else { throw malformed("a sample description box is cut short") }
        var entryAt = box.contentStart + 8
        var seen = 0
        while seen < count, entryAt < box.end {
            let entry = try ISOBox.parse(src, at: entryAt, limit: box.end, fail: { source.malformed($0) })
            let vendor = (entry.contentStart + 12)..<(entry.contentStart + 16)
            if vendor.upperBound <= entry.end {
                if src[vendor].contains(where: { $0 != 0 }) { findings.add(MediaWords.software) }
                for i in vendor { out[at + i - box.start] = 0 }
            }
            let name = (entry.contentStart + 42)..<(entry.contentStart + 74)
            if handler == T.vide, name.upperBound <= entry.end {
                if src[name].contains(where: { $0 != 0 }) { findings.add(MediaWords.software) }
                for i in name { out[at + i - box.start] = 0 }
            }
            entryAt = entry.end
            seen += 1
        }
    }

    /// Media in another file cannot be scrubbed here, and the reference itself (a URL or a
    /// QuickTime alias) may spell out a user name and folder.
    private func dataReferences(_ box: ISOBox) throws {
        guard let count = MediaBytes.be(src, box.contentStart + 4, 4) else { throw malformed("a data reference box is cut short") }
        var entryAt = box.contentStart + 8
        var seen = 0
        while seen < count, entryAt < box.end {
            let entry = try ISOBox.parse(src, at: entryAt, limit: box.end, fail: { source.malformed($0) })
            guard let flags = MediaBytes.be(src, entry.contentStart + 1, 3), entry.contentStart + 4 <= entry.end else {
                throw malformed("a data reference is cut short")
            }
            guard flags & 1 != 0 else { throw source.refused("it refers to media stored in another file") }
            entryAt = entry.end
            seen += 1
        }
    }

    /// Chunk offset tables: copied, with each entry's position noted for the layout pass.
    private mutating func offsets(_ box: ISOBox, tableAt: Int, width: Int) throws {
        let n = try tableCount(box, at: tableAt, width: width)
        let at = out.count
        copy(box)
        let first = box.contentStart + tableAt + 4
        for i in 0..<n {
            let p = first + i * width
            guard let value = MediaBytes.be(src, p, width) else { throw malformed("an offset table is cut short") }
            fields.append((at: at + p - box.start, width: width, value: value))
        }
    }

    private mutating func auxiliaryOffsets(_ box: ISOBox) throws {
        let c = box.contentStart
        guard let version = MediaBytes.be(src, c, 1), let flags = MediaBytes.be(src, c + 1, 3) else {
            throw malformed("an auxiliary offset box is cut short")
        }
        try offsets(box, tableAt: flags & 1 != 0 ? 12 : 4, width: version == 0 ? 4 : 8)
    }
}

/// Names what a metadata box holds, so the source reads "GPS location" rather than "udta".
enum MP4Metadata {
    private static let types: Set<UInt32> = Set([
        "udta", "meta", "uuid", "free", "skip", "wide", "junk", "XMP_", "ilst", "keys", "pnot", "PICT",
        "titl", "auth", "perf", "gnre", "dscp", "cprt", "yrrc", "loci", "albm", "kywd", "rtng", "clsf",
    ].map(ISOBox.code))

    /// Boxes removed wherever they appear inside `moov`: containers of tags, tags
    /// themselves, XMP and free space.
    static func isMetadata(_ type: UInt32) -> Bool {
        types.contains(type) || type >> 24 == 0xA9
    }

    /// Boxes inside a movie fragment that would be metadata if present. Other `uuid` boxes
    /// there (Smooth Streaming's fragment timing) are part of the stream.
    static func describes(_ type: UInt32) -> Bool {
        type == MP4Type.udta || type == MP4Type.meta || type == MP4Type.xmp || type >> 24 == 0xA9
    }

    static func isXMP(_ box: ISOBox, in bytes: [UInt8]) -> Bool {
        let ext = box.contentStart..<(box.contentStart + 16)
        return box.type == MP4Type.uuid && ext.upperBound <= box.end && bytes[ext].elementsEqual(xmpUUID)
    }

    private static let xmpUUID: [UInt8] = [0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8,
                                          0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC]

    /// iTunes and QuickTime tag names, with their 3GPP equivalents.
    private static let itemWords: [String: (String, Bool)] = [
        "\u{A9}xyz": (MediaWords.gps, true), "loci": (MediaWords.gps, true),
        "\u{A9}mak": (MediaWords.device, true), "\u{A9}mod": (MediaWords.device, true),
        "manu": (MediaWords.device, true), "modl": (MediaWords.device, true),
        "\u{A9}nam": (MediaWords.title, true), "titl": (MediaWords.title, true), "name": (MediaWords.title, true),
        "\u{A9}ART": (MediaWords.artist, true), "aART": (MediaWords.artist, true), "\u{A9}wrt": (MediaWords.artist, true),
        "\u{A9}prf": (MediaWords.artist, true), "perf": (MediaWords.artist, true), "\u{A9}dir": (MediaWords.artist, true),
        "\u{A9}prd": (MediaWords.artist, true), "\u{A9}ope": (MediaWords.artist, true),
        "\u{A9}aut": (MediaWords.author, true), "auth": (MediaWords.author, true),
        "\u{A9}alb": (MediaWords.album, true), "albm": (MediaWords.album, true),
        "\u{A9}cmt": (MediaWords.comment, true), "\u{A9}des": (MediaWords.comment, true), "desc": (MediaWords.comment, true),
        "ldes": (MediaWords.comment, true), "dscp": (MediaWords.comment, true), "\u{A9}inf": (MediaWords.comment, true),
        "kywd": (MediaWords.comment, true),
        "covr": (MediaWords.cover, true),
        "\u{A9}too": (MediaWords.software, true), "\u{A9}swr": (MediaWords.software, true), "\u{A9}enc": (MediaWords.software, true),
        "\u{A9}day": (MediaWords.date, true), "yrrc": (MediaWords.date, true),
        "XMP_": (MediaWords.xmp, true),
        "cprt": (MediaWords.copyright, true), "\u{A9}cpy": (MediaWords.copyright, true),
        "\u{A9}gen": (MediaWords.genre, false), "gnre": (MediaWords.genre, false),
        "trkn": (MediaWords.track, false), "disk": (MediaWords.track, false),
        "tmpo": (MediaWords.otherTags, false), "cpil": (MediaWords.otherTags, false), "pgap": (MediaWords.otherTags, false),
        "stik": (MediaWords.otherTags, false), "rtng": (MediaWords.otherTags, false), "hdvd": (MediaWords.otherTags, false),
        "hinf": ("streaming hints", false), "hnti": ("streaming hints", false), "chpl": ("chapter list", false),
        "pnot": ("preview picture", true), "PICT": ("preview picture", true),
        "FIRM": (MediaWords.software, true), "CAME": (MediaWords.serial, true), "MUID": (MediaWords.serial, true),
        "GPMF": (MediaWords.vendor, true), "LENS": (MediaWords.vendor, true),
    ]

    /// Adds what `box` (being removed) holds to `findings`. Returns true when the box holds
    /// items whose data lives elsewhere in the file (`iloc`), which removing the box would
    /// leave behind.
    @discardableResult
    static func describe(_ box: ISOBox, in bytes: [UInt8], into findings: inout MediaFindings, depth: Int) -> Bool {
        guard depth < 8 else { findings.add(MediaWords.otherTags); return false }
        var damaged = false
        switch box.type {
        case MP4Type.free, MP4Type.skip, MP4Type.wide, MP4Type.junk:
            return false
        case MP4Type.udta:
            var outside = false
            for child in ISOBox.children(bytes, in: box.contentRange, damaged: { damaged = true }) {
                outside = describe(child, in: bytes, into: &findings, depth: depth + 1) || outside
            }
            if damaged { findings.add(MediaWords.otherTags) }
            return outside
        case MP4Type.meta:
            return describeMeta(box, in: bytes, into: &findings)
        case MP4Type.uuid:
            if isXMP(box, in: bytes) {
                findings.add(MediaWords.xmp)
            } else {
                findings.add(MediaWords.vendor)
            }
            return false
        default:
            let (words, identifying) = itemWords[box.name] ?? (MediaWords.otherTags, true)
            findings.add(words, identifying: identifying)
            return false
        }
    }

    /// `meta` is a full box in ISO files and a plain container in QuickTime; its `keys`
    /// name the `ilst` items by number (Apple's `com.apple.quicktime.location.ISO6709`).
    private static func describeMeta(_ box: ISOBox, in bytes: [UInt8], into findings: inout MediaFindings) -> Bool {
        var damaged = false
        let quickTime = MediaBytes.be(bytes, box.contentStart + 4, 4) == Int(MP4Type.hdlr)
        let start = box.contentStart + (quickTime ? 0 : 4)
        guard start <= box.end else { findings.add(MediaWords.otherTags); return false }
        let children = ISOBox.children(bytes, in: start..<box.end, damaged: { damaged = true })
        var keyNames: [String] = []
        if let keys = children.first(where: { $0.type == MP4Type.keys }), let count = MediaBytes.be(bytes, keys.contentStart + 4, 4) {
            var at = keys.contentStart + 8
            while keyNames.count < count, at + 8 <= keys.end {
                guard let size = MediaBytes.be(bytes, at, 4), size >= 8, size <= keys.end - at else { damaged = true; break }
                keyNames.append(MediaBytes.text(bytes[(at + 8)..<(at + size)]))
                at += size
            }
        }
        var outside = false
        for child in children {
            switch child.type {
            case MP4Type.ilst:
                for item in ISOBox.children(bytes, in: child.contentRange, damaged: { damaged = true }) {
                    let index = Int(item.type)
                    if index >= 1, index <= keyNames.count {
                        let (words, identifying) = MediaWords.forField(keyNames[index - 1])
                        findings.add(words, identifying: identifying)
                    } else if item.type == MP4Type.freeform {
                        let name = ISOBox.children(bytes, in: item.contentRange, damaged: {}).first { $0.type == MP4Type.name }
                        let text = name.map { MediaBytes.text(bytes[min($0.contentStart + 4, $0.end)..<$0.end]) } ?? ""
                        let (words, identifying) = MediaWords.forField(text)
                        findings.add(words, identifying: identifying)
                    } else {
                        let (words, identifying) = itemWords[item.name] ?? (MediaWords.otherTags, true)
                        findings.add(words, identifying: identifying)
                    }
                }
            case MP4Type.xmp, MP4Type.xml:
                findings.add(MediaWords.xmp)
            case MP4Type.id32:
                findings.add(MediaWords.otherTags)
            case MP4Type.iloc:
                outside = true
            case MP4Type.udta, MP4Type.meta:
                outside = describe(child, in: bytes, into: &findings, depth: 1) || outside
            default:
                break
            }
        }
        if damaged { findings.add(MediaWords.otherTags) }
        return outside
    }
}
