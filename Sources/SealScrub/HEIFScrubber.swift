import SealCore

/// HEIC/HEIF/AVIF still images (ISO BMFF): removes the Exif and XMP items, other embedded
/// "mime"/"uri " items, thumbnail images (and their alpha or depth), XML boxes and the ICC
/// colour profile, and fixes the bookkeeping: the item list (iinf), the locations (iloc),
/// references (iref) and property associations (ipma). The removed items' bytes are cut
/// out of the media data, every remaining file offset is recomputed, and nothing is
/// re-encoded. Orientation lives in the irot/imir properties, which stay.
///
/// Anything whose safe removal cannot be proven is refused rather than passed: image
/// sequences (moov), protected items, data in other files, an image built from a removed
/// item, item data overlapping removed data, offsets outside the media data.
struct HEIFScrubber: Scrubber {
    var types: [ContentType] { [.heif] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let plan = try HEIFPlan(ImageReader(input, format: "HEIF"))
        let sink = ImageSink(output)
        let captured = try plan.stream(ImageReader(input.reopened(), format: "HEIF"), to: sink)
        try sink.flush()
        return plan.describe(captured).removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        let plan = try HEIFPlan(ImageReader(input, format: "HEIF"))
        let captured = try plan.stream(ImageReader(input.reopened(), format: "HEIF"), to: nil)
        return plan.describe(captured).identifying
    }
}

/// What pass one learnt and decided; pass two (`stream`) writes the result.
private struct HEIFPlan {
    struct TopBox {
        let type: String
        let start: Int
        let headerSize: Int
        let end: Int
        var bodyStart: Int { start + headerSize }
    }


    struct Span: Comparable {
        var start: Int
        var end: Int
        static func < (a: Span, b: Span) -> Bool { (a.start, a.end) < (b.start, b.end) }
    }

    enum RemovedKind { case exif, xmp, other(String), thumbnail }

    let name: String
    let boxes: [TopBox]
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
    var findings = ImageFindings()

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
        var boxes: [TopBox] = []
        var meta: [UInt8]?
        var findings = ImageFindings()
        while try !reader.atEnd() {
            guard boxes.count < Self.topBoxLimit else { throw refuse("more top-level boxes than any real photo has") }
            let start = reader.position
            let head = try reader.bytes(8, "a box header")
            let view = ByteView(head)
            guard var size = view.u32(0) else { throw reader.malformed("a box header is damaged") }
            let type = String(decoding: head[4..<8], as: UTF8.self)
            var headerSize = 8
            if size == 1 {
                guard let large = ByteView(try reader.bytes(8, "a box size")).uint(0, 8) else {
                    throw reader.malformed("a box size is out of range")
                }
                size = large
                headerSize = 16
            } else if size == 0 {
                size = reader.size - start
            }
            guard size >= headerSize, size - headerSize <= reader.remaining else {
                throw reader.malformed("the \(printableTag(Array(head[4..<8]))) box's size points past the end of the file")
            }
            let bodySize = size - headerSize
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
                findings.add("unknown data \"\(printableTag(Array(head[4..<8])))\"")
            }
            boxes.append(TopBox(type: type, start: start, headerSize: headerSize, end: start + size))
        }
        guard let metaBytes = meta, let metaIndex = boxes.firstIndex(where: { $0.type == "meta" }) else {
            throw reader.malformed("it has no metadata box")
        }
        self.boxes = boxes
        self.metaIndex = metaIndex
        self.metaBytes = metaBytes

        let metaBox = boxes[metaIndex]
        let malformed = { (why: String) in reader.malformed(why) }
        let m = try MetaBox(metaBytes, malformed: malformed, refuse: refuse)

        // Decide which items go.
        var removed: [Int: RemovedKind] = [:]
        for item in m.items {
            switch item.type {
            case "Exif": removed[item.id] = .exif
            case "mime" where item.contentType.lowercased() == "application/rdf+xml": removed[item.id] = .xmp
            case "mime": removed[item.id] = .other("embedded file (\(item.contentType.isEmpty ? "unknown type" : item.contentType))")
            case "uri ": removed[item.id] = .other("embedded link data")
            case let type where !Self.imageItemTypes.contains(type):
                // An item type we do not know could hold anything: it goes, and if an image
                // needs it the reference check below refuses the file.
                removed[item.id] = .other("unknown embedded data \"\(printableTag(Array(type.utf8)))\"")
            default: break
            }
        }
        // A removed thumbnail takes along what exists only for it: the tiles of a grid
        // thumbnail, and its alpha or depth images. A work list visits each item once.
        var referrers: [Int: [Int]] = [:]
        var outgoing: [Int: [MetaBox.Reference]] = [:]
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
        var references: [MetaBox.Reference] = []
        for ref in m.references where removed[ref.from] == nil {
            let to = ref.to.filter { removed[$0] == nil }
            if to.count != ref.to.count, !["cdsc", "thmb"].contains(ref.type) {
                throw refuse("an image refers to a removed item through \"\(printableTag(Array(ref.type.utf8)))\"")
            }
            if !to.isEmpty { references.append(.init(type: ref.type, from: ref.from, to: to)) }
        }
        if m.groupEntities.contains(where: { $0.contains { removed[$0] != nil } }) {
            throw refuse("an entity group includes a removed item")
        }

        // Only the bytes of items that stay reach the output. Everything else in the media
        // data goes: removed items, and bytes no item claims (leftovers of earlier edits, or
        // metadata whose item entry is damaged), so nothing unlisted can ride along.
        let mdatBodies = boxes.filter { $0.type == "mdat" }.map { Span(start: $0.bodyStart, end: $0.end) }
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
                    guard m.idat != nil, end <= idatLength else { throw malformed("an item's data lies outside its idat box") }
                    keptIdat.append(Span(start: e.offset, end: end))
                default:
                    // Offsets into other items' data, which stay as they are.
                    break
                }
            }
        }
        keptData = Self.merged(keptData)
        keptIdat = Self.merged(keptIdat)
        var cuts: [Span] = boxes.filter { !["ftyp", "meta", "mdat"].contains($0.type) }.map { Span(start: $0.start, end: $0.end) }
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
            header = BigEndian.u32(1) + Array("meta".utf8) + BigEndian.uint(newMetaSize, width: 8)
        } else {
            header = BigEndian.u32(newMetaSize) + Array("meta".utf8)
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

    /// Pass two: the same file again, checked box by box against pass one, written with
    /// the new metadata box and without the cut ranges. With no sink it only captures the
    /// removed items' bytes. Returns what the captured Exif/XMP items hold.
    func stream(_ reader: ImageReader, to sink: ImageSink?) throws -> [(item: Int, kind: RemovedKind, bytes: [UInt8])] {
        let changed = reader.malformed("it changed while it was being cleaned")
        var captured: [Int: [UInt8]] = [:]
        var total = 0
        for (index, box) in boxes.enumerated() {
            guard reader.position == box.start else { throw changed }
            let head = try reader.bytes(box.headerSize, "a box header")
            guard String(decoding: head[4..<8], as: UTF8.self) == box.type else { throw changed }
            let bodySize = box.end - box.bodyStart
            if index == metaIndex {
                guard try reader.bytes(bodySize, "the metadata box") == metaBytes else { throw changed }
                try sink?.write(newMeta)
                continue
            }
            if box.type == "ftyp" {
                try sink?.write(head)
                try reader.copy(bodySize, to: sink, what: "the file type box")
                continue
            }
            guard box.type == "mdat" else {
                try reader.copy(bodySize, to: nil, what: "a box")
                continue
            }
            let inside = cuts.filter { box.bodyStart <= $0.start && $0.end <= box.end }
            let removedBytes = inside.reduce(0) { $0 + $1.end - $1.start }
            let declared = ByteView(head).u32(0)
            if declared == 0 {
                try sink?.write(head)
            } else if box.headerSize == 16 {
                try sink?.write(Array(head[0..<8]) + BigEndian.uint(box.end - box.start - removedBytes, width: 8))
            } else {
                try sink?.write(BigEndian.u32(box.end - box.start - removedBytes) + Array(head[4..<8]))
            }
            for cut in inside {
                try reader.copy(cut.start - reader.position, to: sink, what: "the media data")
                let wanted = captures.filter { $0.range.start < cut.end && cut.start < $0.range.end }
                var at = reader.position
                try reader.copy(cut.end - cut.start, to: nil, what: "the media data", capture: { piece in
                    for w in wanted {
                        // Keep only this item's part of the piece, up to the capture limit.
                        let lo = max(w.range.start, at), hi = min(w.range.end, at + piece.count)
                        var bytes = captured[w.item] ?? []
                        guard lo < hi, bytes.count < Self.captureLimit, total < Self.captureLimit * 4 else { continue }
                        let part = piece[(lo - at)..<(hi - at)].prefix(Self.captureLimit - bytes.count)
                        bytes += part
                        total += part.count
                        captured[w.item] = bytes
                    }
                    at += piece.count
                })
            }
            try reader.copy(box.end - reader.position, to: sink, what: "the media data")
        }
        var out = idatCaptures
        var done = Set(idatCaptures.map(\.item))
        for c in captures where !done.contains(c.item) {
            done.insert(c.item)
            if let bytes = captured[c.item] { out.append((c.item, c.kind, bytes)) }
        }
        return out
    }

    /// The findings, with the Exif and XMP items named by what they hold.
    func describe(_ captured: [(item: Int, kind: RemovedKind, bytes: [UInt8])]) -> ImageFindings {
        var f = ImageFindings()
        for c in captured {
            switch c.kind {
            case .exif:
                // An Exif item starts with the offset of the TIFF header after it.
                let view = ByteView(c.bytes)
                let skip = (view.u32(0) ?? 0) + 4
                let tiff = skip <= c.bytes.count ? Array(c.bytes.dropFirst(skip)) : []
                let summary = ImageMetadata.exif(tiff: tiff)
                for s in summary.findings { f.add(s.words, identifying: s.identifying) }
                if summary.findings.isEmpty { f.add("EXIF metadata") }
            case .xmp:
                f.add(contentsOf: ImageMetadata.xmp(c.bytes))
            default:
                break
            }
        }
        let read = Set(captured.map(\.item))
        for (id, kind) in removedItems.sorted(by: { $0.key < $1.key }) where !read.contains(id) {
            if case .exif = kind { f.add("EXIF metadata") }
            if case .xmp = kind { f.add("XMP metadata") }
        }
        for words in findings.removed { f.add(words, identifying: findings.identifying.contains(words)) }
        return f
    }
}

/// The HEIF metadata box, parsed far enough to remove items and rebuild it. Every count and
/// length is checked against the bytes that hold it before use.
private struct MetaBox {
    typealias Span = HEIFPlan.Span

    struct Item { let id: Int; let type: String; let contentType: String; let box: Span }
    struct Reference { let type: String; let from: Int; let to: [Int] }
    struct Extent { let index: Int; let offset: Int; let length: Int }
    struct Location { let id: Int; let method: Int; let dataRef: Int; let base: Int; let extents: [Extent]; let rawOffsets: [Int] }
    struct Property { let type: String; let box: Span; let payload: Span; let colourType: String; var essential: Bool }
    struct Child { let type: String; let span: Span; let body: Span }

    let bytes: [UInt8]
    var children: [Child] = []
    var items: [Item] = []
    var references: [Reference] = []
    var locations: [Location] = []
    var properties: [Property] = []
    var primary: Int?
    /// The idat box's data, as a span of `bytes`.
    var idat: Span?
    var xmlBoxes: [Span] = []
    var groupEntities: [[Int]] = []
    /// Which properties (1-based ipco indices) each item uses.
    var associations: [(item: Int, indices: [Int])] = []
    var ilocVersion = 0, offsetSize = 0, lengthSize = 0, baseOffsetSize = 0, indexSize = 0
    var irefVersion = 0

    let malformed: (String) -> ScrubError
    let refuse: (String) -> ScrubError

    init(_ bytes: [UInt8], malformed: @escaping (String) -> ScrubError, refuse: @escaping (String) -> ScrubError) throws {
        self.bytes = bytes
        self.malformed = malformed
        self.refuse = refuse
        let v = ByteView(bytes)
        // meta is a full box: version and flags come first.
        guard bytes.count >= 4 else { throw malformed("the metadata box is empty") }
        children = try boxes(in: Span(start: 4, end: bytes.count))
        guard let hdlr = children.first(where: { $0.type == "hdlr" }),
              v.slice(hdlr.body.start + 8, 4) == Array("pict".utf8) else {
            throw refuse("the metadata box is not for pictures")
        }
        for unique in ["hdlr", "iinf", "iloc", "iref", "pitm", "iprp", "idat"]
        where children.filter({ $0.type == unique }).count > 1 {
            throw malformed("more than one \(unique) box")
        }
        // The smallest body each parsed box can have, so later slices stay inside it.
        let minimumBody = ["iinf": 6, "iloc": 8, "iref": 4, "pitm": 6, "ipma": 8, "hdlr": 12]
        for child in children {
            if let least = minimumBody[child.type], child.body.end - child.body.start < least {
                throw malformed("the \(child.type) box is too short")
            }
            switch child.type {
            case "iinf": try parseItemInfo(child.body)
            case "iloc": try parseLocations(child.body)
            case "iref": try parseReferences(child.body)
            case "pitm":
                let version = v.u8(child.body.start) ?? 0
                primary = version == 0 ? v.u16(child.body.start + 4) : v.u32(child.body.start + 4)
            case "iprp": try parseProperties(child.body)
            case "idat":
                guard idat == nil else { throw malformed("more than one idat box") }
                idat = child.body
            case "xml ", "bxml": xmlBoxes.append(child.span)
            case "grpl": try parseGroups(child.body)
            case "ipro", "fiin", "ipmc": throw refuse("protected or partial items")
            default: break
            }
        }
        for loc in locations where loc.dataRef != 0 { throw refuse("item data kept in another file") }
        let declared = Set(items.map(\.id))
        guard locations.allSatisfy({ declared.contains($0.id) }) else { throw malformed("data is stored for an item that is not listed") }
    }

    /// Child boxes of the span, in order. A size of 0 means "to the end of the parent".
    func boxes(in span: Span) throws -> [Child] {
        let v = ByteView(bytes)
        var out: [Child] = []
        var at = span.start
        while at < span.end {
            guard out.count < HEIFPlan.boxLimit, let size32 = v.u32(at), let type = v.slice(at + 4, 4), at + 8 <= span.end else {
                throw malformed("a box inside the metadata box is damaged")
            }
            var size = size32
            var header = 8
            if size == 1 {
                guard let large = v.uint(at + 8, 8) else { throw malformed("a box inside the metadata box is damaged") }
                size = large
                header = 16
            } else if size == 0 {
                size = span.end - at
            }
            guard size >= header, size <= span.end - at else { throw malformed("a box inside the metadata box has an impossible size") }
            out.append(Child(type: String(decoding: type, as: UTF8.self), span: Span(start: at, end: at + size),
                             body: Span(start: at + header, end: at + size)))
            at += size
        }
        return out
    }

    private func cString(_ at: Int, _ end: Int) -> (String, Int) {
        guard at < end, end <= bytes.count else { return ("", end) }
        var i = at
        while i < end, bytes[i] != 0 { i += 1 }
        return (String(decoding: bytes[at..<i], as: UTF8.self), min(i + 1, end))
    }

    private mutating func parseItemInfo(_ body: Span) throws {
        let wide = ByteView(bytes).u8(body.start) != 0
        let declared = wide ? ByteView(bytes).u32(body.start + 4) : ByteView(bytes).u16(body.start + 4)
        let entries = try boxes(in: Span(start: body.start + (wide ? 8 : 6), end: body.end))
        // Every entry must be an item entry and the count must agree, or an item (its
        // metadata, say) could hide from this list while its data stays in the file.
        guard entries.count == declared, entries.allSatisfy({ $0.type == "infe" }) else {
            throw malformed("the item list is damaged")
        }
        for child in entries {
            let v = ByteView(bytes)
            let b = child.body.start
            guard let version = v.u8(b) else { throw malformed("an item entry is damaged") }
            guard version >= 2 else { throw refuse("old-style item entries") }
            let idWidth = version == 2 ? 2 : 4
            guard let id = v.uint(b + 4, idWidth), let protection = v.u16(b + 4 + idWidth),
                  let type = v.slice(b + 6 + idWidth, 4) else { throw malformed("an item entry is damaged") }
            guard protection == 0 else { throw refuse("protected items") }
            let typeName = String(decoding: type, as: UTF8.self)
            let (_, afterName) = cString(b + 10 + idWidth, child.body.end)
            var contentType = ""
            if typeName == "mime" { contentType = cString(afterName, child.body.end).0 }
            items.append(Item(id: id, type: typeName, contentType: contentType, box: child.span))
        }
    }

    private mutating func parseLocations(_ body: Span) throws {
        let v = ByteView(bytes)
        let b = body.start
        guard let version = v.u8(b), version <= 2, let sizes = v.u8(b + 4), let sizes2 = v.u8(b + 5) else {
            throw refuse("an unknown item location format")
        }
        ilocVersion = version
        offsetSize = sizes >> 4
        lengthSize = sizes & 0xF
        baseOffsetSize = sizes2 >> 4
        indexSize = version >= 1 ? sizes2 & 0xF : 0
        for width in [offsetSize, lengthSize, baseOffsetSize, indexSize] where ![0, 4, 8].contains(width) {
            throw malformed("item locations use an invalid field size")
        }
        var at = b + 6
        guard let count = version < 2 ? v.u16(at) : v.u32(at) else { throw malformed("item locations are damaged") }
        at += version < 2 ? 2 : 4
        guard count <= body.end - at else { throw malformed("item locations declare more items than fit") }
        for _ in 0..<count {
            let idWidth = version < 2 ? 2 : 4
            guard let id = v.uint(at, idWidth) else { throw malformed("item locations are damaged") }
            at += idWidth
            var method = 0
            if version >= 1 {
                guard let m = v.u16(at) else { throw malformed("item locations are damaged") }
                method = m & 0xF
                at += 2
            }
            guard let dataRef = v.u16(at), let base = v.uint(at + 2, baseOffsetSize), let extentCount = v.u16(at + 2 + baseOffsetSize) else {
                throw malformed("item locations are damaged")
            }
            at += 4 + baseOffsetSize
            var extents: [Extent] = []
            var raw: [Int] = []
            for _ in 0..<extentCount {
                guard let index = v.uint(at, indexSize), let offset = v.uint(at + indexSize, offsetSize),
                      let length = v.uint(at + indexSize + offsetSize, lengthSize) else { throw malformed("item locations are damaged") }
                at += indexSize + offsetSize + lengthSize
                let (absolute, overflow) = base.addingReportingOverflow(offset)
                guard !overflow, absolute <= Int.max / 2, length <= Int.max / 2 else { throw malformed("an item offset is out of range") }
                extents.append(Extent(index: index, offset: absolute, length: length))
                raw.append(offset)
            }
            locations.append(Location(id: id, method: method, dataRef: dataRef, base: base, extents: extents, rawOffsets: raw))
        }
    }

    private mutating func parseReferences(_ body: Span) throws {
        let v = ByteView(bytes)
        guard let version = v.u8(body.start), version <= 1 else { throw refuse("an unknown item reference format") }
        irefVersion = version
        let w = version == 0 ? 2 : 4
        for child in try boxes(in: Span(start: body.start + 4, end: body.end)) {
            guard let from = v.uint(child.body.start, w), let count = v.u16(child.body.start + w),
                  child.body.start + w + 2 + count * w <= child.body.end else { throw malformed("an item reference is damaged") }
            let to = (0..<count).compactMap { v.uint(child.body.start + w + 2 + $0 * w, w) }
            references.append(Reference(type: child.type, from: from, to: to))
        }
    }

    private mutating func parseProperties(_ body: Span) throws {
        let v = ByteView(bytes)
        var essential: Set<Int> = []
        var found: [(item: Int, indices: [Int])] = []
        for child in try boxes(in: body) where child.type == "ipma" {
            guard child.body.end - child.body.start >= 8 else { throw malformed("property associations are damaged") }
            try forEachAssociation(child) { item, _, associations in
                for (index, isEssential) in associations where isEssential { essential.insert(index) }
                found.append((item, associations.map(\.0)))
            }
        }
        associations = found
        guard let ipco = try boxes(in: body).first(where: { $0.type == "ipco" }) else { return }
        for (i, p) in try boxes(in: ipco.body).enumerated() {
            var colourType = ""
            if p.type == "colr", let t = v.slice(p.body.start, 4) { colourType = String(decoding: t, as: UTF8.self) }
            properties.append(Property(type: p.type, box: p.span, payload: Span(start: min(p.body.start + 4, p.body.end), end: p.body.end),
                                       colourType: colourType, essential: essential.contains(i + 1)))
        }
    }

    /// Calls `body` for each ipma entry: item id, the entry's byte span, its associations.
    func forEachAssociation(_ box: Child, _ body: (Int, Span, [(Int, Bool)]) throws -> Void) throws {
        let v = ByteView(bytes)
        guard let version = v.u8(box.body.start), let flags = v.uint(box.body.start + 1, 3), let count = v.u32(box.body.start + 4) else {
            throw malformed("property associations are damaged")
        }
        var at = box.body.start + 8
        guard count <= box.body.end - at else { throw malformed("property associations declare more entries than fit") }
        let idWidth = version < 1 ? 2 : 4
        let wide = flags & 1 != 0
        for _ in 0..<count {
            let start = at
            guard let id = v.uint(at, idWidth), let n = v.u8(at + idWidth) else { throw malformed("property associations are damaged") }
            at += idWidth + 1
            var list: [(Int, Bool)] = []
            for _ in 0..<n {
                guard let raw = wide ? v.u16(at) : v.u8(at) else { throw malformed("property associations are damaged") }
                at += wide ? 2 : 1
                list.append(wide ? (raw & 0x7FFF, raw & 0x8000 != 0) : (raw & 0x7F, raw & 0x80 != 0))
            }
            try body(id, Span(start: start, end: at), list)
        }
    }

    private mutating func parseGroups(_ body: Span) throws {
        let v = ByteView(bytes)
        for child in try boxes(in: body) {
            guard let n = v.u32(child.body.start + 8), n <= (child.body.end - child.body.start) / 4 else {
                throw malformed("an entity group is damaged")
            }
            groupEntities.append((0..<n).compactMap { v.u32(child.body.start + 12 + 4 * $0) })
        }
    }

    /// The new metadata box body (version and flags, then children). `locate` maps an input
    /// file offset to where that byte lands in the output.
    func rebuild(removed: Set<Int>, references kept: [Reference], idatKeep: [Span], blank: [Span], unlinked: Set<Int>,
                 locate: (Int) -> Int, refuse: (String) -> ScrubError) throws -> [UInt8] {
        var patched = bytes
        for b in blank {
            let size = b.end - b.start
            patched.replaceSubrange(b.start..<b.end, with: BigEndian.u32(size) + Array("free".utf8) + [UInt8](repeating: 0, count: size - 8))
        }
        if let idat {
            // Only what kept items use survives in idat; the rest becomes zeros.
            var cleared = [UInt8](repeating: 0, count: idat.end - idat.start)
            for k in idatKeep { cleared.replaceSubrange(k.start..<k.end, with: bytes[(idat.start + k.start)..<(idat.start + k.end)]) }
            patched.replaceSubrange(idat.start..<idat.end, with: cleared)
        }
        func box(_ type: String, _ body: [UInt8]) -> [UInt8] { BigEndian.u32(body.count + 8) + Array(type.utf8) + body }
        let v = ByteView(bytes)
        var out = Array(bytes[0..<4])
        for child in children {
            switch child.type {
            case "iinf":
                let version = v.u8(child.body.start) ?? 0
                let keptItems = items.filter { !removed.contains($0.id) }
                guard version != 0 || keptItems.count <= 0xFFFF else { throw refuse("more items than the item list can count") }
                var body = Array(bytes[child.body.start..<(child.body.start + 4)])
                body += version == 0 ? BigEndian.u16(keptItems.count) : BigEndian.u32(keptItems.count)
                for item in keptItems { body += patched[item.box.start..<item.box.end] }
                out += box("iinf", body)
            case "iloc":
                out += box("iloc", try locationBody(removed: removed, locate: locate, refuse: refuse))
            case "iref":
                guard !kept.isEmpty else { continue }
                let w = irefVersion == 0 ? 2 : 4
                var body = Array(bytes[child.body.start..<(child.body.start + 4)])
                for r in kept {
                    var entry = BigEndian.uint(r.from, width: w) + BigEndian.u16(r.to.count)
                    for t in r.to { entry += BigEndian.uint(t, width: w) }
                    body += box(r.type, entry)
                }
                out += box("iref", body)
            case "iprp":
                var body: [UInt8] = []
                for p in try boxes(in: child.body) {
                    guard p.type == "ipma" else {
                        body += patched[p.span.start..<p.span.end]
                        continue
                    }
                    var entries: [UInt8] = []
                    var count = 0
                    let version = v.u8(p.body.start) ?? 0
                    let wide = (v.u8(p.body.start + 3) ?? 0) & 1 != 0
                    try forEachAssociation(p) { id, _, associations in
                        guard !removed.contains(id) else { return }
                        let keep = associations.filter { !unlinked.contains($0.0) }
                        entries += BigEndian.uint(id, width: version < 1 ? 2 : 4) + [UInt8(keep.count)]
                        for (index, essential) in keep {
                            entries += wide ? BigEndian.u16(index | (essential ? 0x8000 : 0)) : [UInt8(index | (essential ? 0x80 : 0))]
                        }
                        count += 1
                    }
                    body += box("ipma", Array(bytes[p.body.start..<(p.body.start + 4)]) + BigEndian.u32(count) + entries)
                }
                out += box("iprp", body)
            case "xml ", "bxml":
                continue
            case "idat" where !locations.contains(where: { !removed.contains($0.id) && $0.method == 1 }):
                // Only removed items had data here.
                continue
            default:
                out += patched[child.span.start..<child.span.end]
            }
        }
        return out
    }

    private func locationBody(removed: Set<Int>, locate: (Int) -> Int, refuse: (String) -> ScrubError) throws -> [UInt8] {
        let kept = locations.filter { !removed.contains($0.id) }
        guard let iloc = children.first(where: { $0.type == "iloc" }) else { return [] }
        var body = Array(bytes[iloc.body.start..<(iloc.body.start + 6)])
        body += ilocVersion < 2 ? BigEndian.u16(kept.count) : BigEndian.u32(kept.count)
        func fits(_ value: Int, _ width: Int) -> Bool { width == 8 || (width == 4 && value <= 0xFFFF_FFFF) || (width == 0 && value == 0) }
        for loc in kept {
            body += BigEndian.uint(loc.id, width: ilocVersion < 2 ? 2 : 4)
            if ilocVersion >= 1 { body += BigEndian.u16(loc.method) }
            body += BigEndian.u16(loc.dataRef)
            var base = loc.base
            var offsets = loc.rawOffsets
            if loc.method == 0 {
                let moved = loc.extents.map { locate($0.offset) }
                if baseOffsetSize == 0 {
                    base = 0
                    offsets = moved
                } else if offsetSize == 0 {
                    base = moved.first ?? locate(loc.base)
                } else {
                    base = min(locate(loc.base), moved.min() ?? locate(loc.base))
                    offsets = moved.map { $0 - base }
                }
            }
            guard base >= 0, fits(base, baseOffsetSize) || baseOffsetSize == 0 && base == 0,
                  offsets.allSatisfy({ $0 >= 0 && (fits($0, offsetSize)) }) else {
                throw refuse("new item offsets do not fit their fields")
            }
            body += BigEndian.uint(base, width: baseOffsetSize)
            body += BigEndian.u16(loc.extents.count)
            for (i, e) in loc.extents.enumerated() {
                body += BigEndian.uint(e.index, width: indexSize)
                body += BigEndian.uint(offsets[i], width: offsetSize)
                body += BigEndian.uint(e.length, width: lengthSize)
            }
        }
        return body
    }
}
