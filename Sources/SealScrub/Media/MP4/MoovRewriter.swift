import Foundation
import SealCore

/// Rebuilds `moov` box by box into `out`, keeping what playback needs.
struct MoovRewriter {
    let src: [UInt8]
    let source: MediaSource
    var out: [UInt8] = []
    /// Positions in `out` of absolute file offsets, with their old values.
    var fields: [(at: Int, width: Int, value: Int)] = []
    var findings = Findings()
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
            ByteFields.putBE(size, width: 8, into: &out, at: headerAt + 8)
        } else {
            guard size <= Int(UInt32.max) else { throw malformed("box '\(box.name)' is too large") }
            ByteFields.putBE(size, width: 4, into: &out, at: headerAt)
        }
    }

    private mutating func element(_ box: ISOBox, depth: Int, handler: UInt32?) throws {
        switch box.type {
        case MP4Type.trak:
            try track(box, depth: depth)
        case MP4Type.mdia, MP4Type.minf, MP4Type.stbl, MP4Type.edts, MP4Type.dinf, MP4Type.mvex, MP4Type.moov:
            try container(box, depth: depth, handler: handler)
        case MP4Type.mvhd, MP4Type.tkhd, MP4Type.mdhd:
            try timestamps(box)
        case MP4Type.hdlr:
            try handlerName(box)
        case MP4Type.stsd:
            try sampleDescriptions(box, handler: handler)
        case MP4Type.dref:
            try dataReferences(box)
            copy(box)
        case MP4Type.stco:
            try offsets(box, tableAt: 4, width: 4)
        case MP4Type.co64:
            try offsets(box, tableAt: 4, width: 8)
        case MP4Type.saio:
            try auxiliaryOffsets(box)
        case MP4Type.cmov:
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
        if ByteFields.be(src, box.start, 4) == 0 { ByteFields.putBE(box.size, width: 4, into: &out, at: at) }
    }

    /// Timed metadata tracks (Apple's `mebx`, GoPro's GPMF, Google's `camm`) carry
    /// positions and camera data as samples in `mdat`, and a timecode track usually holds
    /// the time of day the recording started: playback needs neither, so the track is
    /// dropped and its samples are zeroed, so the bytes do not travel even unreferenced.
    private mutating func track(_ box: ISOBox, depth: Int) throws {
        let handler = handlerType(of: box)
        if handler == MP4Type.metaHandler || handler == MP4Type.camm || handler == MP4Type.tmcd {
            zeroed += try sampleRanges(of: box)
            findings.add(handler == MP4Type.tmcd ? "timecode track (time of day of the recording)"
                                           : "timed metadata track (location, camera or sensor data)")
            return
        }
        try container(box, depth: depth, handler: handler)
    }

    private func handlerType(of trak: ISOBox) -> UInt32? {
        let ignore = {}
        guard let mdia = ISOBox.children(src, in: trak.contentRange, damaged: ignore).first(where: { $0.type == MP4Type.mdia }),
              let hdlr = ISOBox.children(src, in: mdia.contentRange, damaged: ignore).first(where: { $0.type == MP4Type.hdlr }),
              let type = ByteFields.be(src, hdlr.contentStart + 8, 4), hdlr.contentStart + 12 <= hdlr.end
        else { return nil }
        return UInt32(truncatingIfNeeded: type)
    }

    /// The file ranges of every sample of a track, from its chunk offsets, sample-to-chunk
    /// and sample-size tables.
    private func sampleRanges(of trak: ISOBox) throws -> [Range<Int>] {
        func child(_ parent: ISOBox, _ type: UInt32) -> ISOBox? {
            ISOBox.children(src, in: parent.contentRange, damaged: {}).first { $0.type == type }
        }
        guard let mdia = child(trak, MP4Type.mdia), let minf = child(mdia, MP4Type.minf), let stbl = child(minf, MP4Type.stbl) else {
            throw malformed("a timed metadata track has no sample table")
        }
        if child(stbl, MP4Type.stz2) != nil { throw source.refused("a timed metadata track uses compact sample sizes") }
        guard let stsc = child(stbl, MP4Type.stsc), let stsz = child(stbl, MP4Type.stsz) else {
            throw malformed("a timed metadata track has no sample table")
        }
        var chunkOffsets: [Int] = []
        if let table = child(stbl, MP4Type.stco) ?? child(stbl, MP4Type.co64) {
            let width = table.type == MP4Type.stco ? 4 : 8
            let n = try tableCount(table, at: 4, width: width)
            for i in 0..<n {
                guard let v = ByteFields.be(src, table.contentStart + 8 + i * width, width) else { throw malformed("a chunk offset table is cut short") }
                chunkOffsets.append(v)
            }
        }
        let runs = try tableCount(stsc, at: 4, width: 12)
        guard let fixedSize = ByteFields.be(src, stsz.contentStart + 4, 4),
              let sampleCount = ByteFields.be(src, stsz.contentStart + 8, 4) else { throw malformed("a sample size table is cut short") }
        if fixedSize == 0 {
            guard sampleCount <= (stsz.size - stsz.headerSize - 12) / 4 else { throw malformed("a sample size table is cut short") }
        }
        func sampleSize(_ i: Int) throws -> Int {
            guard let v = ByteFields.be(src, stsz.contentStart + 12 + i * 4, 4) else { throw malformed("a sample size table is cut short") }
            return v
        }
        var ranges: [Range<Int>] = []
        var sample = 0
        for run in 0..<runs {
            let at = stsc.contentStart + 8 + run * 12
            guard let first = ByteFields.be(src, at, 4), let perChunk = ByteFields.be(src, at + 4, 4), first >= 1 else {
                throw malformed("a sample-to-chunk table is damaged")
            }
            let next = run + 1 < runs ? (ByteFields.be(src, at + 12, 4) ?? 0) : chunkOffsets.count + 1
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
        guard let n = ByteFields.be(src, box.contentStart + at, 4),
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
        guard handler == MP4Type.vide || handler == MP4Type.soun else { return }
        guard let count = ByteFields.be(src, box.contentStart + 4, 4) else { throw malformed("a sample description box is cut short") }
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
            if handler == MP4Type.vide, name.upperBound <= entry.end {
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
        guard let count = ByteFields.be(src, box.contentStart + 4, 4) else { throw malformed("a data reference box is cut short") }
        var entryAt = box.contentStart + 8
        var seen = 0
        while seen < count, entryAt < box.end {
            let entry = try ISOBox.parse(src, at: entryAt, limit: box.end, fail: { source.malformed($0) })
            guard let flags = ByteFields.be(src, entry.contentStart + 1, 3), entry.contentStart + 4 <= entry.end else {
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
            guard let value = ByteFields.be(src, p, width) else { throw malformed("an offset table is cut short") }
            fields.append((at: at + p - box.start, width: width, value: value))
        }
    }

    private mutating func auxiliaryOffsets(_ box: ISOBox) throws {
        let c = box.contentStart
        guard let version = ByteFields.be(src, c, 1), let flags = ByteFields.be(src, c + 1, 3) else {
            throw malformed("an auxiliary offset box is cut short")
        }
        try offsets(box, tableAt: flags & 1 != 0 ? 12 : 4, width: version == 0 ? 4 : 8)
    }
}
