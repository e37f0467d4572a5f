import Foundation
import SealCore

/// What to do with each top-level box, the new layout, and the rebuilt `moov`.
struct MP4Plan: MediaPlan {
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
    private(set) var findings = Findings()
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
        let movies = boxes.filter { $0.type == MP4Type.moov }
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
            case MP4Type.ftyp, MP4Type.mdat, MP4Type.ssix, MP4Type.styp, MP4Type.pdin:
                break
            case MP4Type.sidx:
                afterSegmentIndex = true
            case MP4Type.moof:
                fields += try scanFragment(box, top: tops.count)
            case MP4Type.moov:
                top.action = .moov
            case MP4Type.free, MP4Type.skip, MP4Type.wide, MP4Type.junk:
                // Free space may hold the remains of metadata an editor removed in place.
                top.action = afterSegmentIndex ? .blank : .drop
            case MP4Type.mfra:
                // An optional random-access index with absolute offsets; players rebuild it.
                top.action = .drop
            case MP4Type.prft:
                // The producer's wall-clock time at encoding: keep the box, zero the time.
                let content = try source.read(at: box.contentStart, count: min(box.size - box.headerSize, 16), "a 'prft' box")
                if content.count >= 16 {
                    if content[8..<16].contains(where: { $0 != 0 }) { findings.add(MediaWords.date) }
                    top.patches = [(at: box.contentStart + 8, bytes: [UInt8](repeating: 0, count: 8))]
                }
            case MP4Type.emsg:
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
        var fragmentFindings = Findings()
        for child in try strictChildren(bytes, moof.contentRange) {
            if child.type == MP4Type.traf {
                for item in try strictChildren(bytes, child.contentRange) {
                    if item.type == MP4Type.tfhd {
                        let c = item.contentStart
                        guard let flags = ByteFields.be(bytes, c + 1, 3), item.size - item.headerSize >= 8 else {
                            throw source.malformed("a track fragment header is cut short")
                        }
                        if flags & 1 != 0 {
                            guard let base = ByteFields.be(bytes, c + 8, 8) else { throw source.malformed("a track fragment header is cut short") }
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
                ByteFields.putBE(value, width: field.width, into: &moov, at: at)
            case .file(let at, let owner):
                tops[owner].patches.append((at: at, bytes: ByteFields.beBytes(value, width: field.width)))
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
