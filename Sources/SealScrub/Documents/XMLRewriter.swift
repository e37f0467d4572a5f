import Foundation
import SealCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams an XML part through libxml2's SAX parser (Foundation's `XMLParser`) and writes
/// the same document back with `XMLRules` applied. Nothing is interpreted beyond names:
/// text, order and structure pass through, so the document means what it meant.
///
/// XML comments are dropped (authors leave notes in them) and a DOCTYPE is refused: no
/// office format uses one, and entity declarations are how XML bombs are built.
enum XMLRewriter {
    struct Result {
        var bytes: [UInt8]
        /// What was removed, in plain words, without repeats.
        var findings: [String]
    }

    static func rewrite(_ input: [UInt8], part: String, rules: XMLRules) throws -> Result {
        let doctype = try externalDoctype(input, part: part)
        let delegate = RewritingDelegate(rules: rules, doctype: doctype)
        // Fed as a stream: given one large buffer, libxml2 stops at its 10 MB look-ahead
        // limit, and a big spreadsheet is a single 50 MB line.
        let parser = XMLParser(stream: InputStream(data: Data(input)))
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        guard parser.parse(), delegate.failure == nil, delegate.closed else {
            throw DocumentError(delegate.failure ?? "\(part) is not well-formed XML")
        }
        return Result(bytes: delegate.output, findings: delegate.findings.removed)
    }

    /// The attributes (by local name) of every element called `local`: enough to read a
    /// content-types or relationships part.
    static func attributes(of local: String, in input: [UInt8], part: String) throws -> [[String: String]] {
        final class Found { var list: [[String: String]] = [] }
        let found = Found()
        _ = try rewrite(input, part: part, rules: XMLRules(dropElement: { name, attributes in
            if name.local == local {
                found.list.append(Dictionary(attributes.map { ($0.key.local, $0.value) }, uniquingKeysWith: { a, _ in a }))
            }
            return nil
        }))
        return found.list
    }

    /// Old OpenOffice files name an external DTD (which is never fetched): it is kept as it
    /// is. A DOCTYPE with declarations of its own is how XML bombs are built and no office
    /// document needs one, so it is refused. A DOCTYPE can only stand before the root
    /// element, so only that prolog is searched.
    static func externalDoctype(_ bytes: [UInt8], part: String) throws -> [UInt8]? {
        var end = 0
        while end + 1 < bytes.count {
            if bytes[end] == UInt8(ascii: "<"), bytes[end + 1] != UInt8(ascii: "?"), bytes[end + 1] != UInt8(ascii: "!") { break }
            end += 1
        }
        let prolog = Array(bytes[..<end])
        guard bytesContain(prolog, "<!DOCTYPE") else { return nil }
        guard let open = prolog.indices.first(where: { Array(prolog[$0...].prefix(9)) == Array("<!DOCTYPE".utf8) }),
              let close = prolog[open...].firstIndex(of: UInt8(ascii: ">")),
              !prolog[open..<close].contains(UInt8(ascii: "[")) else {
            throw DocumentError("\(part) declares a DOCTYPE with entities, which no office document uses")
        }
        return Array(prolog[open...close])
    }

    /// Prefixes that OpenOffice 1.x files use without declaring them (their DTD did).
    static let impliedPrefixes: [String: String] = [
        "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
        "dc": "http://purl.org/dc/elements/1.1/",
        "xlink": "http://www.w3.org/1999/xlink",
    ]

    static func escapeText(_ s: String, into out: inout [UInt8]) {
        escape(s, into: &out) { entity($0, inAttribute: false) }
    }

    static func escapeAttribute(_ s: String, into out: inout [UInt8]) {
        escape(s, into: &out) { entity($0, inAttribute: true) }
    }

    /// The reference a byte must be written as. A bare CR would be read back as a line
    /// feed; in an attribute, tabs and line breaks too would be folded to spaces.
    private static func entity(_ byte: UInt8, inAttribute: Bool) -> String? {
        switch byte {
        case UInt8(ascii: "&"): return "&amp;"
        case UInt8(ascii: "<"): return "&lt;"
        case UInt8(ascii: ">") where !inAttribute: return "&gt;"
        case UInt8(ascii: "\"") where inAttribute: return "&quot;"
        case 0x09 where inAttribute: return "&#9;"
        case 0x0A where inAttribute: return "&#10;"
        case 0x0D: return "&#13;"
        default: return nil
        }
    }

    private static func escape(_ s: String, into out: inout [UInt8], _ entity: (UInt8) -> String?) {
        let utf8 = s.utf8
        // Most text needs no escaping and is copied in one go.
        guard utf8.contains(where: { entity($0) != nil }) else {
            out.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            if let replacement = entity(byte) { out.append(contentsOf: replacement.utf8) } else { out.append(byte) }
        }
    }
}
