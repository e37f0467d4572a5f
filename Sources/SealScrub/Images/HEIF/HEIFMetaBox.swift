import SealCore

/// The HEIF metadata box, parsed far enough to remove items and rebuild it. Every count and
/// length is checked against the bytes that hold it before use.
struct HEIFMetaBox {
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
        var out: [Child] = []
        var at = span.start
        while at < span.end {
            guard out.count < HEIFPlan.boxLimit else { throw malformed("the metadata box holds too many boxes") }
            let box = try ISOBox.parse(bytes, at: at, limit: span.end,
                                       fail: { _ in malformed("a box inside the metadata box is damaged or has an impossible size") })
            out.append(Child(type: String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self), span: Span(start: at, end: box.end),
                             body: Span(start: box.contentStart, end: box.end)))
            at = box.end
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
                guard !overflow, (0...Int.max / 2).contains(absolute), (0...Int.max / 2).contains(length) else {
                    throw malformed("an item offset is out of range")
                }
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
            patched.replaceSubrange(b.start..<b.end, with: ByteFields.beBytes(size, width: 4) + Array("free".utf8) + [UInt8](repeating: 0, count: size - 8))
        }
        if let idat {
            // Only what kept items use survives in idat; the rest becomes zeros.
            var cleared = [UInt8](repeating: 0, count: idat.end - idat.start)
            for k in idatKeep { cleared.replaceSubrange(k.start..<k.end, with: bytes[(idat.start + k.start)..<(idat.start + k.end)]) }
            patched.replaceSubrange(idat.start..<idat.end, with: cleared)
        }
        func box(_ type: String, _ body: [UInt8]) -> [UInt8] { ByteFields.beBytes(body.count + 8, width: 4) + Array(type.utf8) + body }
        let v = ByteView(bytes)
        var out = Array(bytes[0..<4])
        for child in children {
            switch child.type {
            case "iinf":
                let version = v.u8(child.body.start) ?? 0
                let keptItems = items.filter { !removed.contains($0.id) }
                guard version != 0 || keptItems.count <= 0xFFFF else { throw refuse("more items than the item list can count") }
                var body = Array(bytes[child.body.start..<(child.body.start + 4)])
                body += version == 0 ? ByteFields.beBytes(keptItems.count, width: 2) : ByteFields.beBytes(keptItems.count, width: 4)
                for item in keptItems { body += patched[item.box.start..<item.box.end] }
                out += box("iinf", body)
            case "iloc":
                out += box("iloc", try locationBody(removed: removed, locate: locate, refuse: refuse))
            case "iref":
                guard !kept.isEmpty else { continue }
                let w = irefVersion == 0 ? 2 : 4
                var body = Array(bytes[child.body.start..<(child.body.start + 4)])
                for r in kept {
                    var entry = ByteFields.beBytes(r.from, width: w) + ByteFields.beBytes(r.to.count, width: 2)
                    for t in r.to { entry += ByteFields.beBytes(t, width: w) }
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
                        entries += ByteFields.beBytes(id, width: version < 1 ? 2 : 4) + [UInt8(keep.count)]
                        for (index, essential) in keep {
                            entries += wide ? ByteFields.beBytes(index | (essential ? 0x8000 : 0), width: 2) : [UInt8(index | (essential ? 0x80 : 0))]
                        }
                        count += 1
                    }
                    body += box("ipma", Array(bytes[p.body.start..<(p.body.start + 4)]) + ByteFields.beBytes(count, width: 4) + entries)
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
        body += ilocVersion < 2 ? ByteFields.beBytes(kept.count, width: 2) : ByteFields.beBytes(kept.count, width: 4)
        func fits(_ value: Int, _ width: Int) -> Bool { width == 8 || (width == 4 && value <= 0xFFFF_FFFF) || (width == 0 && value == 0) }
        for loc in kept {
            body += ByteFields.beBytes(loc.id, width: ilocVersion < 2 ? 2 : 4)
            if ilocVersion >= 1 { body += ByteFields.beBytes(loc.method, width: 2) }
            body += ByteFields.beBytes(loc.dataRef, width: 2)
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
            body += ByteFields.beBytes(base, width: baseOffsetSize)
            body += ByteFields.beBytes(loc.extents.count, width: 2)
            for (i, e) in loc.extents.enumerated() {
                body += ByteFields.beBytes(e.index, width: indexSize)
                body += ByteFields.beBytes(offsets[i], width: offsetSize)
                body += ByteFields.beBytes(e.length, width: lengthSize)
            }
        }
        return body
    }
}
