import SealCore

/// Pass two, and the words for what pass one found.
extension HEIFPlan {
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
            guard ByteFields.be(head, 4, 4) == Int(box.type) else { throw changed }
            let bodySize = box.size - box.headerSize
            if index == metaIndex {
                guard try reader.bytes(bodySize, "the metadata box") == metaBytes else { throw changed }
                try sink?.write(newMeta)
                continue
            }
            if box.name == "ftyp" {
                try sink?.write(head)
                try reader.copy(bodySize, to: sink, what: "the file type box")
                continue
            }
            guard box.name == "mdat" else {
                try reader.copy(bodySize, to: nil, what: "a box")
                continue
            }
            let inside = cuts.filter { box.contentStart <= $0.start && $0.end <= box.end }
            let removedBytes = inside.reduce(0) { $0 + $1.end - $1.start }
            let declared = ByteView(head).u32(0)
            if declared == 0 {
                try sink?.write(head)
            } else if box.headerSize == 16 {
                try sink?.write(Array(head[0..<8]) + ByteFields.beBytes(box.end - box.start - removedBytes, width: 8))
            } else {
                try sink?.write(ByteFields.beBytes(box.end - box.start - removedBytes, width: 4) + Array(head[4..<8]))
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
    func describe(_ captured: [(item: Int, kind: RemovedKind, bytes: [UInt8])]) -> Findings {
        var f = Findings()
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
