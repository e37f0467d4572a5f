import SealCore

/// Reads the metadata blocks that image formats share (EXIF, XMP, IPTC, ICC) far enough to
/// say in plain words what they hold. The blocks are removed whatever they hold: these
/// parsers only name things, so a damaged block never stops a scrub, it is just named more
/// vaguely. Every walk is bounded in entries and depth so a hostile block cannot loop.
enum ImageMetadata {
    /// EXIF Orientation values that turn or mirror the picture; 1 is "as stored".
    static let turningOrientations = 2...8

    struct ExifSummary {
        var findings: [(words: String, identifying: Bool)] = []
        /// Orientation from the main image's IFD, when it is a valid value.
        var orientation: Int?

        mutating func add(_ words: String, identifying: Bool = true) {
            if !findings.contains(where: { $0.words == words }) { findings.append((words, identifying)) }
        }
    }

    /// Names what a TIFF-structured EXIF block (starting at "II*\0" or "MM\0*") holds.
    static func exif(tiff bytes: [UInt8]) -> ExifSummary {
        var summary = ExifSummary()
        guard bytes.count >= 8 else {
            summary.add("EXIF metadata")
            return summary
        }
        let little = bytes[0] == 0x49 && bytes[1] == 0x49
        let big = bytes[0] == 0x4D && bytes[1] == 0x4D
        let view = ByteView(bytes, bigEndian: !little)
        guard little || big, view.u16(2) == 42, let first = view.u32(4) else {
            summary.add("EXIF metadata")
            return summary
        }
        enum Kind { case image0, image1, exif, gps, interop }
        var queue: [(Int, Kind)] = [(first, .image0)]
        var visited: Set<Int> = []
        var damaged = false
        var gpsPosition = false, gpsOther = false
        var otherSettings = false
        while let (offset, kind) = queue.first, visited.count < 32 {
            queue.removeFirst()
            guard offset >= 8, !visited.contains(offset), let count = view.u16(offset), count <= 1000 else {
                if !visited.contains(offset) { damaged = true }
                continue
            }
            visited.insert(offset)
            for i in 0..<count {
                let entry = offset + 2 + 12 * i
                guard let tag = view.u16(entry), let type = view.u16(entry + 2), let n = view.u32(entry + 4) else {
                    damaged = true
                    break
                }
                let valueAt = entry + 8
                switch kind {
                case .gps:
                    if [0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0014, 0x0016].contains(tag) { gpsPosition = true }
                    else if [0x0007, 0x001D].contains(tag) { summary.add("date and time taken") }
                    else if tag != 0x0000 { gpsOther = true }
                case .interop:
                    break
                case .image0, .image1, .exif:
                    if tag == 0x8769, let p = view.u32(valueAt) { queue.append((p, .exif)); continue }
                    if tag == 0x8825, let p = view.u32(valueAt) { queue.append((p, .gps)); continue }
                    if tag == 0xA005, let p = view.u32(valueAt) { queue.append((p, .interop)); continue }
                    if kind == .image0, tag == 0x0112, type == 3, n == 1, let v = view.u16(valueAt) {
                        if turningOrientations.contains(v) || v == 1 { summary.orientation = v }
                        continue
                    }
                    if kind == .image1, [0x0201, 0x0202, 0x0111, 0x0117].contains(tag) {
                        summary.add("thumbnail image")
                        continue
                    }
                    if let words = exifTagWords[tag] {
                        summary.add(words)
                    } else if !structuralTags.contains(tag) {
                        otherSettings = true
                    }
                }
            }
            if kind == .image0 || kind == .image1, let next = view.u32(offset + 2 + 12 * count), next != 0 {
                queue.append((next, .image1))
            }
        }
        if gpsPosition { summary.add("GPS position") } else if gpsOther { summary.add("GPS data") }
        if otherSettings { summary.add("camera settings", identifying: false) }
        if damaged, summary.findings.isEmpty { summary.add("EXIF metadata") }
        return summary
    }

    /// Tags whose presence is worth naming; values say which words a person reads.
    static let exifTagWords: [Int: String] = [
        0x010F: "camera make and model", 0x0110: "camera make and model", 0xC614: "camera make and model",
        0x0131: "software", 0xA439: "software", 0xA43A: "software", 0xA43B: "software", 0xA43C: "software",
        0x0132: "date and time taken", 0x9003: "date and time taken", 0x9004: "date and time taken",
        0x9010: "date and time taken", 0x9011: "date and time taken", 0x9012: "date and time taken",
        0x9290: "date and time taken", 0x9291: "date and time taken", 0x9292: "date and time taken",
        0x882A: "date and time taken",
        0x013B: "owner/artist name", 0xA430: "owner/artist name", 0xA437: "owner/artist name",
        0xA438: "owner/artist name", 0x9C9D: "owner/artist name",
        0xA431: "camera serial number", 0xC62F: "camera serial number",
        0xA432: "lens make and model", 0xA433: "lens make and model", 0xA434: "lens make and model",
        0xA435: "lens serial number",
        0x927C: "maker notes", 0xC634: "maker notes",
        0x9286: "comment", 0x9C9C: "comment",
        0x010E: "image description", 0x9C9F: "image description",
        0x010D: "document name", 0x9C9B: "title", 0xA436: "title", 0x9C9E: "keywords",
        0x013C: "computer name",
        0x8298: "copyright notice",
        0xA420: "unique image ID",
        0xC4A5: "printer settings",
        0x02BC: "XMP metadata", 0x83BB: "IPTC metadata", 0x8773: "colour profile",
    ]

    /// Tags that describe how to draw the pixels and say nothing about who took them.
    static let structuralTags: Set<Int> = [
        0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x0115, 0x011A, 0x011B, 0x011C, 0x0128, 0x0211, 0x0212, 0x0213,
        0x0214, 0x9000, 0x9101, 0xA000, 0xA001, 0xA002, 0xA003,
    ]

    /// A minimal EXIF block holding only the orientation, so a photo that was taken sideways
    /// is still shown upright: big-endian TIFF, one IFD, one entry.
    static func orientationOnlyTIFF(_ orientation: Int) -> [UInt8] {
        Array("MM".utf8) + [0x00, 0x2A] + ByteFields.beBytes(8, width: 4)
            + ByteFields.beBytes(1, width: 2)
            + ByteFields.beBytes(0x0112, width: 2) + ByteFields.beBytes(3, width: 2) + ByteFields.beBytes(1, width: 4) + ByteFields.beBytes(orientation, width: 2) + [0, 0]
            + ByteFields.beBytes(0, width: 4)
    }

    /// Names what an XMP packet mentions; the packet is removed whole regardless.
    static func xmp(_ packet: [UInt8]) -> [String] {
        var words = ["XMP metadata"]
        let checks: [(String, [String])] = [
            ("GPS position", ["GPSLatitude", "GPSLongitude", "LocationShown", "LocationCreated"]),
            ("author name", ["dc:creator", "<dc:creator", "photoshop:AuthorsPosition", "xmpRights:Owner", "Iptc4xmpCore:CreatorContactInfo"]),
            ("owner/artist name", ["OwnerName", "tiff:Artist", "CameraOwnerName"]),
            ("camera serial number", ["SerialNumber"]),
            ("camera make and model", ["tiff:Make", "tiff:Model"]),
            ("software", ["CreatorTool", "tiff:Software", "HistorySoftwareAgent", "softwareAgent"]),
            ("date and time taken", ["DateTimeOriginal", "CreateDate", "ModifyDate", "DateCreated", "MetadataDate"]),
            ("editing history", ["xmpMM:History", "DocumentID", "InstanceID"]),
        ]
        for (name, needles) in checks where needles.contains(where: { bytesContain(packet, $0) }) {
            words.append(name)
        }
        return words
    }

    /// Names what an IPTC-IIM block holds (a run of 0x1C record/dataset/length entries).
    static func iptc(_ bytes: [UInt8]) -> [String] {
        var words = ["IPTC metadata"]
        let names: [Int: String] = [
            80: "author name", 122: "author name", 85: "author name", 118: "author name",
            55: "date and time taken", 60: "date and time taken", 62: "date and time taken", 63: "date and time taken",
            90: "place names", 92: "place names", 95: "place names", 100: "place names", 101: "place names",
            116: "copyright notice", 110: "credit line", 115: "source", 120: "caption", 5: "title", 25: "keywords",
            65: "software", 70: "software",
        ]
        let view = ByteView(bytes)
        var at = 0
        var steps = 0
        while at + 5 <= bytes.count, bytes[at] == 0x1C, steps < 10_000 {
            steps += 1
            guard let record = view.u8(at + 1), let dataset = view.u8(at + 2), var length = view.u16(at + 3) else { break }
            var header = 5
            if length & 0x8000 != 0 {
                // Extended length: the low bits say how many bytes hold the real length.
                let width = length & 0x7FFF
                guard width <= 4, let real = view.uint(at + 5, width) else { break }
                length = real
                header += width
            }
            if record == 2, let w = names[dataset], !words.contains(w) { words.append(w) }
            guard length <= bytes.count else { break }
            at += header + length
        }
        return words
    }

    /// Names what a Photoshop "8BIM" image-resource block holds (JPEG APP13).
    static func photoshopResources(_ bytes: [UInt8]) -> [String] {
        var words: [String] = []
        func add(_ w: [String]) { for x in w where !words.contains(x) { words.append(x) } }
        let view = ByteView(bytes)
        var at = 0
        var steps = 0
        while at + 12 <= bytes.count, view.hasPrefix("8BIM", at: at), steps < 10_000 {
            steps += 1
            guard let id = view.u16(at + 4), let nameLength = view.u8(at + 6) else { break }
            // Pascal string padded to an even total length (length byte included).
            let nameTotal = (nameLength + 2) & ~1
            guard let size = view.u32(at + 6 + nameTotal), size <= bytes.count else { break }
            let dataAt = at + 6 + nameTotal + 4
            let data = view.slice(dataAt, min(size, max(0, bytes.count - dataAt))) ?? []
            switch id {
            case 0x0404: add(iptc(data))
            case 0x0409, 0x040C: add(["thumbnail image"])
            case 0x0422: add(exif(tiff: data).findings.map(\.words))
            case 0x0424: add(xmp(data))
            case 0x040F: add(["colour profile"])
            default: add(["Photoshop data"])
            }
            at = dataAt + size + (size & 1)
        }
        if words.isEmpty { words.append("Photoshop data") }
        return words
    }

    /// Whether an ICC profile's header or tags name a device. `profile` may be just the
    /// first part of a profile split over several segments: the header and tag table come
    /// first, which is all this looks at.
    static func iccNamesDevice(_ profile: [UInt8]) -> Bool {
        let view = ByteView(profile)
        // Device manufacturer and model signatures in the header.
        if let maker = view.u32(48), let model = view.u32(52), maker != 0 || model != 0 { return true }
        guard let count = view.u32(128) else { return false }
        for i in 0..<min(count, 200) {
            guard let sig = view.slice(132 + 12 * i, 4) else { break }
            if sig == Array("dmnd".utf8) || sig == Array("dmdd".utf8) { return true }
        }
        return false
    }
}
