import SealCore

/// What pass one learnt and decided; pass two (`stream`) writes the result.
struct HEIFPlan {
    struct Span: Comparable {
        var start: Int
        var end: Int
        static func < (a: Span, b: Span) -> Bool { (a.start, a.end) < (b.start, b.end) }
    }

    enum RemovedKind { case exif, xmp, other(String), thumbnail }

    let name: String
    /// The top-level boxes, in file order.
    let boxes: [ISOBox]
    let metaIndex: Int
    let metaBytes: [UInt8]
    let newMeta: [UInt8]
    /// Input byte ranges that do not reach the output (removed item data, dropped boxes).
    let cuts: [Span]
    /// Input ranges of removed Exif/XMP items, captured while streaming so they can be named.
    let captures: [(item: Int, kind: RemovedKind, range: Span)]
    /// Removed items stored inside the metadata box (idat), already available.
    let idatCaptures: [(item: Int, kind: RemovedKind, bytes: [UInt8])]
    /// Every removed item and why, so one whose bytes could not be read is still named.
    let removedItems: [Int: RemovedKind]
    var findings = Findings()

    static let metaLimit = 16 << 20
    static let boxLimit = 100_000
    static let captureLimit = 4 << 20
    /// Coded and derived images (HEVC, AV1, JPEG, H.264, JPEG 2000, VVC, uncompressed,
    /// masks, grids, overlays, identity transforms, tone maps): the picture itself.
    static let imageItemTypes: Set<String> = [
        "hvc1", "hev1", "av01", "avc1", "jpeg", "j2k1", "vvc1", "vvi1", "unci", "mski", "grid", "iovl", "iden", "tmap",
    ]
    /// Bounds on what real photos hold, so quadratic bookkeeping cannot be driven by a
    /// hostile file: phones write a few dozen items and a handful of top-level boxes.
    static let removedExtentLimit = 4096
    static let topBoxLimit = 1024

    init(_ reader: ImageReader) throws {
        name = reader.name
        func refuse(_ why: String) -> ScrubError { .refused(name: reader.name, format: "HEIF", reason: why) }

        // Top-level boxes; only the metadata box is read into memory.
        var boxes: [ISOBox] = []
        var meta: [UInt8]?
        var findings = Findings()
        while try !reader.atEnd() {
            guard boxes.count < Self.topBoxLimit else { throw refuse("more top-level boxes than any real photo has") }
            let start = reader.position
            var head = try reader.bytes(8, "a box header")
            if ByteFields.be(head, 0, 4) == 1 { head += try reader.bytes(8, "a box size") }
            let box = try ISOBox.parse(head, at: 0, offset: start, limit: reader.size, fail: reader.malformed)
            let type = box.name
            let bodySize = box.size - box.headerSize
            if boxes.isEmpty, type != "ftyp" { throw reader.malformed("it does not start with a file type box") }
            switch type {
            case "meta":
                guard meta == nil else { throw refuse("more than one metadata box") }
                guard bodySize <= Self.metaLimit else { throw refuse("a metadata box larger than \(Self.metaLimit >> 20) MiB") }
                meta = try reader.bytes(bodySize, "the metadata box")
            case "moov", "moof", "mfra":
                throw refuse("image sequences and animations are not supported")
            case "ftyp", "mdat":
                try reader.copy(bodySize, to: nil, what: "the \(type) box")
            case "free", "skip":
                try reader.copy(bodySize, to: nil, what: "the \(type) box")
                findings.add("unused space", identifying: false)
            default:
                try reader.copy(bodySize, to: nil, what: "a box")
                findings.add("unknown data \"\(UntrustedLabel.tag(Array(head[4..<8])))\"")
            }
            boxes.append(box)
        }
        guard let metaBytes = meta, let metaIndex = boxes.firstIndex(where: { $0.name == "meta" }) else {
            throw reader.malformed("it has no metadata box")
        }
        self.boxes = boxes
        self.metaIndex = metaIndex
        self.metaBytes = metaBytes

        let metaBox = boxes[metaIndex]
        let malformed = { (why: String) in reader.malformed(why) }
        let m = try HEIFMetaBox(metaBytes, malformed: malformed, refuse: refuse)

        // Decide which items go.
        var removed: [Int: RemovedKind] = [:]
        for item in m.items {
            switch item.type {
            case "Exif": removed[item.id] = .exif
            case "mime" where item.contentType.lowercased() == "application/rdf+xml": removed[item.id] = .xmp
            case "mime": removed[item.id] = .other("embedded file (\(item.contentType.isEmpty ? "unknown type" : UntrustedLabel.tag(Array(item.contentType.utf8), limit: 64)))")
            case "uri ": removed[item.id] = .other("embedded link data")
            case let type where !Self.imageItemTypes.contains(type):
                // An item type we do not know could hold anything: it goes, and if an image
                // needs it the reference check below refuses the file.
                removed[item.id] = .other("unknown embedded data \"\(UntrustedLabel.tag(Array(type.utf8)))\"")
            default: break
            }
        }
        // A removed thumbnail takes along what exists only for it: the tiles of a grid
        // thumbnail, and its alpha or depth images. A work list visits each item once.
        var referrers: [Int: [Int]] = [:]
        var outgoing: [Int: [HEIFMetaBox.Reference]] = [:]
        for ref in m.references {
            outgoing[ref.from, default: []].append(ref)
            for t in ref.to { referrers[t, default: []].append(ref.from) }
        }
        var work: [Int] = []
        for ref in m.references where ref.type == "thmb" && removed[ref.from] == nil {
            removed[ref.from] = .thumbnail
            work.append(ref.from)
        }
        while let gone = work.popLast() {
            for ref in outgoing[gone] ?? [] where ref.type == "dimg" {
                for tile in ref.to where removed[tile] == nil && tile != m.primary
                    && (referrers[tile] ?? []).allSatisfy({ removed[$0] != nil }) {
                    removed[tile] = .thumbnail
                    work.append(tile)
                }
            }
            for aux in referrers[gone] ?? [] where removed[aux] == nil {
                let links = (outgoing[aux] ?? []).filter { $0.type == "auxl" }
                if !links.isEmpty, links.allSatisfy({ $0.to.allSatisfy { removed[$0] != nil } }) {
                    removed[aux] = .thumbnail
                    work.append(aux)
                }
            }
        }
        if let primary = m.primary, removed[primary] != nil { throw refuse("the main image is a metadata item") }

        // References: drop those from removed items; "describes" and "thumbnail of" links to
        // them may shrink; any other dependence on a removed item means the image needs it.
        var references: [HEIFMetaBox.Reference] = []
        for ref in m.references where removed[ref.from] == nil {
            let to = ref.to.filter { removed[$0] == nil }
            if to.count != ref.to.count, !["cdsc", "thmb"].contains(ref.type) {
                throw refuse("an image refers to a removed item through \"\(UntrustedLabel.tag(Array(ref.type.utf8)))\"")
            }
            if !to.isEmpty { references.append(.init(type: ref.type, from: ref.from, to: to)) }
        }
        if m.groupEntities.contains(where: { $0.contains { removed[$0] != nil } }) {
            throw refuse("an entity group includes a removed item")
        }

        // Only the bytes of items that stay reach the output. Everything else in the media
        // data goes: removed items, and bytes no item claims (leftovers of earlier edits, or
        // metadata whose item entry is damaged), so nothing unlisted can ride along.
        let mdatBodies = boxes.filter { $0.name == "mdat" }.map { Span(start: $0.contentStart, end: $0.end) }
        let idatLength = m.idat.map { $0.end - $0.start } ?? 0
        var keptData: [Span] = []
        var keptIdat: [Span] = []
        for loc in m.locations where removed[loc.id] == nil {
            for e in loc.extents {
                switch loc.method {
                case 0:
                    guard let body = Self.containing(mdatBodies, e.offset) else {
                        throw malformed("an image's data lies outside the media data")
                    }
                    let end = e.length == 0 ? body.end : e.offset + e.length
                    guard end <= body.end else { throw malformed("an image's data runs past its media data box") }
                    keptData.append(Span(start: e.offset, end: end))
                case 1:
                    let end = e.length == 0 ? idatLength : e.offset + e.length
                    guard m.idat != nil, e.offset <= end, end <= idatLength else { throw malformed("an item's data lies outside its idat box") }
                    keptIdat.append(Span(start: e.offset, end: end))
                default:
                    // Offsets into other items' data, which stay as they are.
                    break
                }
            }
        }
        keptData = Self.merged(keptData)
        keptIdat = Self.merged(keptIdat)
        var cuts: [Span] = boxes.filter { !["ftyp", "meta", "mdat"].contains($0.name) }.map { Span(start: $0.start, end: $0.end) }
        let droppedBoxes = cuts
        var next = 0
        var unclaimed = 0
        for body in mdatBodies {
            var at = body.start
            while next < keptData.count, keptData[next].start < body.end {
                if keptData[next].start > at { cuts.append(Span(start: at, end: keptData[next].start)) }
                at = max(at, keptData[next].end)
                next += 1
            }
            if at < body.end { cuts.append(Span(start: at, end: body.end)) }
        }
        unclaimed = cuts.reduce(0) { $0 + $1.end - $1.start } - droppedBoxes.reduce(0) { $0 + $1.end - $1.start }

        var captures: [(item: Int, kind: RemovedKind, range: Span)] = []
        let removedExtents = m.locations.filter { removed[$0.id] != nil }.reduce(0) { $0 + $1.extents.count }
        guard removedExtents <= Self.removedExtentLimit else { throw refuse("metadata split into more pieces than any real photo has") }
        var removedData: [Span] = []
        var idatCaptures: [(item: Int, kind: RemovedKind, bytes: [UInt8])] = []
        for loc in m.locations {
            guard let kind = removed[loc.id] else { continue }
            for e in loc.extents {
                guard e.length > 0 else { throw refuse("a metadata item without a stated length") }
                let r = Span(start: e.offset, end: e.offset + e.length)
                switch loc.method {
                case 0:
                    if Self.overlaps(keptData, r.start, r.end) { throw refuse("image data shares bytes with a metadata item") }
                    if let body = Self.containing(mdatBodies, r.start), r.end <= body.end {
                        captures.append((loc.id, kind, r))
                        removedData.append(r)
                    } else if !droppedBoxes.contains(where: { $0.start <= r.start && r.end <= $0.end }) {
                        throw malformed("an item's data lies outside the media data")
                    }
                case 1:
                    guard m.idat != nil, r.end <= idatLength else { throw malformed("an item's data lies outside its idat box") }
                    if Self.overlaps(keptIdat, r.start, r.end) { throw refuse("image data shares bytes with a metadata item") }
                    if let idat = m.idat {
                        idatCaptures.append((loc.id, kind, Array(metaBytes[(idat.start + r.start)..<(idat.start + min(r.end, r.start + Self.captureLimit))])))
                    }
                default:
                    throw refuse("a metadata item built from other items")
                }
            }
        }
        cuts = Self.merged(cuts)
        unclaimed -= Self.merged(removedData).reduce(0) { $0 + $1.end - $1.start }
        if unclaimed > 0 { findings.add("data no image uses", identifying: false) }

        // Properties: ICC profiles and user descriptions are blanked in place (replaced by a
        // free box of the same size, so the other properties keep their index) and unlinked
        // from every item, so no reader looks for them, essential or not.
        var blank: [Span] = []
        var unlinked: Set<Int> = []
        for (i, p) in m.properties.enumerated() {
            switch p.type {
            case "colr" where p.colourType == "prof" || p.colourType == "rICC":
                findings.add("colour profile", identifying: ImageMetadata.iccNamesDevice(Array(metaBytes[p.payload.start..<p.payload.end])))
            case "udes":
                findings.add("image description")
            default:
                continue
            }
            blank.append(p.box)
            unlinked.insert(i + 1)
        }
        // Properties only removed items used (a thumbnail's size and codec setup) are
        // blanked too: harmless, but a reader would still list them.
        let used = Set(m.associations.filter { removed[$0.item] == nil }.flatMap { $0.indices })
        for (i, p) in m.properties.enumerated() where !used.contains(i + 1) && !unlinked.contains(i + 1) {
            blank.append(p.box)
        }
        for _ in m.xmlBoxes { findings.add("XMP metadata") }

        // Rebuild the metadata box; its size change shifts every offset after it.
        let removedIDs = Set(removed.keys)
        let rebuilt = try m.rebuild(removed: removedIDs, references: references, idatKeep: keptIdat, blank: blank, unlinked: unlinked,
                                    locate: { _ in 0 }, refuse: refuse)
        let oldMetaSize = metaBox.end - metaBox.start
        let newMetaSize = metaBox.headerSize + rebuilt.count
        guard newMetaSize <= oldMetaSize else { throw refuse("the cleaned metadata would grow") }
        var shifts = cuts
        if newMetaSize < oldMetaSize { shifts.append(Span(start: metaBox.end - (oldMetaSize - newMetaSize), end: metaBox.end)) }
        let shift = ShiftMap(Self.merged(shifts))
        let finalBody = try m.rebuild(removed: removedIDs, references: references, idatKeep: keptIdat, blank: blank, unlinked: unlinked,
                                      locate: shift.locate, refuse: refuse)
        guard finalBody.count == rebuilt.count else { throw refuse("the cleaned metadata changed size") }
        var header: [UInt8]
        if metaBox.headerSize == 16 {
            header = ByteFields.beBytes(1, width: 4) + Array("meta".utf8) + ByteFields.beBytes(newMetaSize, width: 8)
        } else {
            header = ByteFields.beBytes(newMetaSize, width: 4) + Array("meta".utf8)
        }
        header += finalBody
        newMeta = header
        self.cuts = cuts
        self.captures = captures
        self.idatCaptures = idatCaptures
        self.removedItems = removed
        for kind in removed.values {
            if case .thumbnail = kind { findings.add("thumbnail image") }
            if case .other(let words) = kind { findings.add(words) }
        }
        self.findings = findings
    }

    /// The span of the sorted, disjoint `spans` that holds `offset`, if any.
    static func containing(_ spans: [Span], _ offset: Int) -> Span? {
        var lo = 0, hi = spans.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if spans[mid].end <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < spans.count && spans[lo].start <= offset ? spans[lo] : nil
    }

    /// Whether [start, end) touches any of the sorted, merged `spans`.
    static func overlaps(_ spans: [Span], _ start: Int, _ end: Int) -> Bool {
        var lo = 0, hi = spans.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if spans[mid].end <= start { lo = mid + 1 } else { hi = mid }
        }
        return lo < spans.count && spans[lo].start < end
    }

    /// Where an input offset lands once the removed spans are gone.
    struct ShiftMap {
        let spans: [Span]
        let before: [Int]

        init(_ spans: [Span]) {
            self.spans = spans
            var sums = [0]
            for s in spans { sums.append(sums[sums.count - 1] + s.end - s.start) }
            before = sums
        }

        func locate(_ offset: Int) -> Int {
            var lo = 0, hi = spans.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if spans[mid].end <= offset { lo = mid + 1 } else { hi = mid }
            }
            return offset - before[lo]
        }
    }

    static func merged(_ ranges: [Span]) -> [Span] {
        var out: [Span] = []
        for r in ranges.sorted() {
            if let last = out.last, r.start <= last.end {
                out[out.count - 1].end = max(last.end, r.end)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
