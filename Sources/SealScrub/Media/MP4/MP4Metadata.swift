import Foundation
import SealCore

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
    static func describe(_ box: ISOBox, in bytes: [UInt8], into findings: inout Findings, depth: Int) -> Bool {
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
    private static func describeMeta(_ box: ISOBox, in bytes: [UInt8], into findings: inout Findings) -> Bool {
        var damaged = false
        let quickTime = ByteFields.be(bytes, box.contentStart + 4, 4) == Int(MP4Type.hdlr)
        let start = box.contentStart + (quickTime ? 0 : 4)
        guard start <= box.end else { findings.add(MediaWords.otherTags); return false }
        let children = ISOBox.children(bytes, in: start..<box.end, damaged: { damaged = true })
        var keyNames: [String] = []
        if let keys = children.first(where: { $0.type == MP4Type.keys }), let count = ByteFields.be(bytes, keys.contentStart + 4, 4) {
            var at = keys.contentStart + 8
            while keyNames.count < count, at + 8 <= keys.end {
                guard let size = ByteFields.be(bytes, at, 4), size >= 8, size <= keys.end - at else { damaged = true; break }
                keyNames.append(ByteFields.text(bytes[(at + 8)..<(at + size)]))
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
                        let text = name.map { ByteFields.text(bytes[min($0.contentStart + 4, $0.end)..<$0.end]) } ?? ""
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
