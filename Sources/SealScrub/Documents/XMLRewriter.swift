import Foundation
import SealCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML name resolved to its namespace, so rules match what an element *is* rather than
/// the prefix one producer happened to give it.
struct XMLName: Hashable, Sendable {
    let namespace: String
    let local: String

    init(_ namespace: String, _ local: String) {
        self.namespace = namespace
        self.local = local
    }
}

/// What to change while an XML part streams through `XMLRewriter`. Each hook sees a
/// resolved name; answering nil or false leaves the document as it was.
struct XMLRules {
    /// Elements removed with everything inside them. The string says, in plain words, what
    /// the removal took out ("revision IDs"); empty for a removal that needs no mention.
    var dropElement: (XMLName, _ attributes: [XMLName: String]) -> String? = { _, _ in nil }
    /// Elements whose own tags are removed while everything inside them stays (an accepted
    /// tracked insertion becomes plain text). The string is as for `dropElement`.
    var unwrapElement: (XMLName) -> String? = { _ in nil }
    /// What to do with one attribute of an element (whose other attributes are given too).
    var attribute: (_ element: XMLName, _ attributes: [XMLName: String], _ name: XMLName, _ value: String) -> AttributeAction = { _, _, _, _ in .keep }
    /// Rewrites one run of text, given the open elements around it (innermost last);
    /// elements inside keep their own text.
    var textRun: (_ open: [XMLName], _ text: String) -> (String, finding: String)? = { _, _ in nil }
    /// Elements whose text content is replaced (an author's name held as text).
    var replaceText: (XMLName, _ text: String) -> (String, finding: String)? = { _, _ in nil }

    enum AttributeAction {
        case keep
        /// Removed; the string names what went.
        case drop(String)
        /// Replaced by a neutral value; the string names what went.
        case replace(String, String)
    }
}

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
        return Result(bytes: delegate.output, findings: delegate.findings)
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
        escape(s, into: &out) { byte in
            switch byte {
            case UInt8(ascii: "&"): return "&amp;"
            case UInt8(ascii: "<"): return "&lt;"
            case UInt8(ascii: ">"): return "&gt;"
            case 0x0D: return "&#13;"  // a bare CR would be read back as a line feed
            default: return nil
            }
        }
    }

    /// Tabs and line breaks are written as references, or a reader would fold them to spaces.
    static func escapeAttribute(_ s: String, into out: inout [UInt8]) {
        escape(s, into: &out) { byte in
            switch byte {
            case UInt8(ascii: "&"): return "&amp;"
            case UInt8(ascii: "<"): return "&lt;"
            case UInt8(ascii: "\""): return "&quot;"
            case 0x09: return "&#9;"
            case 0x0A: return "&#10;"
            case 0x0D: return "&#13;"
            default: return nil
            }
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

/// Thrown when a document cannot be cleaned; the message is one plain line.
struct DocumentError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private final class RewritingDelegate: NSObject, XMLParserDelegate {
    let rules: XMLRules
    var output: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n".utf8)
    var findings: [String] = []
    var failure: String?
    /// The root element was closed: a cut-off part must not pass as a shorter one.
    var closed: Bool { names.isEmpty && sawRoot }
    private var sawRoot = false

    /// Prefix → namespace; a frame is pushed only by elements that declare namespaces.
    private var scopes: [[String: String]] = [["xml": "http://www.w3.org/XML/1998/namespace"]]
    private var pushedScope: [Bool] = []
    private var names: [XMLName] = []
    /// For each open element: its tags were left out by `unwrapElement`.
    private var unwrapped: [Bool] = []
    /// Depth inside a dropped element; 0 when writing.
    private var skipping = 0
    /// Text of an element whose content is being replaced, and the replacement state.
    private var replacing: (name: XMLName, text: String)?
    /// An element start is written as `<x ...` and closed with `>` or `/>` once we know
    /// whether it has content.
    private var startOpen = false
    private static let maxDepth = 512

    init(rules: XMLRules, doctype: [UInt8]?) {
        self.rules = rules
        if let doctype { output += doctype + Array("\r\n".utf8) }
    }

    private func note(_ words: String) {
        if !words.isEmpty, !findings.contains(words) { findings.append(words) }
    }

    private func resolve(_ qualified: String, isAttribute: Bool, in scope: [String: String]) -> XMLName {
        if let colon = qualified.firstIndex(of: ":") {
            let prefix = String(qualified[..<colon])
            return XMLName(scope[prefix] ?? XMLRewriter.impliedPrefixes[prefix] ?? "", String(qualified[qualified.index(after: colon)...]))
        }
        // Unprefixed attributes are in no namespace; unprefixed elements in the default one.
        return XMLName(isAttribute ? "" : scope[""] ?? "", qualified)
    }

    private func closeStart() {
        if startOpen {
            output.append(UInt8(ascii: ">"))
            startOpen = false
        }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        var scope = scopes[scopes.count - 1]
        var declares = false
        for (key, value) in attributes where key.hasPrefix("xmlns") {
            if key == "xmlns" {
                scope[""] = value
                declares = true
            } else if key.hasPrefix("xmlns:") {
                scope[String(key.dropFirst(6))] = value
                declares = true
            }
        }
        if declares { scopes.append(scope) }
        pushedScope.append(declares)
        guard pushedScope.count < Self.maxDepth else {
            failure = "the XML is nested deeper than \(Self.maxDepth) levels"
            parser.abortParsing()
            return
        }
        let name = resolve(elementName, isAttribute: false, in: scope)
        names.append(name)
        unwrapped.append(false)
        sawRoot = true
        if skipping > 0 {
            skipping += 1
            return
        }
        var resolved: [XMLName: String] = [:]
        for (key, value) in attributes where !key.hasPrefix("xmlns") || (key != "xmlns" && !key.hasPrefix("xmlns:")) {
            resolved[resolve(key, isAttribute: true, in: scope)] = value
        }
        if let words = rules.dropElement(name, resolved) {
            note(words)
            skipping = 1
            return
        }
        closeStart()
        if replacing != nil {
            // An element inside one whose text is replaced: its content goes with the text.
            skipping = 1
            return
        }
        if let words = rules.unwrapElement(name) {
            note(words)
            unwrapped[unwrapped.count - 1] = true
            return
        }
        output.append(UInt8(ascii: "<"))
        output.append(contentsOf: elementName.utf8)
        // Namespace declarations first, then the rest; sorted, so output is reproducible.
        let ordered = attributes.keys.sorted { a, b in
            let nsA = a == "xmlns" || a.hasPrefix("xmlns:"), nsB = b == "xmlns" || b.hasPrefix("xmlns:")
            return nsA != nsB ? nsA : a < b
        }
        for key in ordered {
            guard var value = attributes[key] else { continue }
            if key != "xmlns", !key.hasPrefix("xmlns:") {
                switch rules.attribute(name, resolved, resolve(key, isAttribute: true, in: scope), value) {
                case .keep: break
                case .drop(let words):
                    note(words)
                    continue
                case .replace(let neutral, let words):
                    if neutral != value { note(words) }
                    value = neutral
                }
            }
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: key.utf8)
            output.append(UInt8(ascii: "="))
            output.append(UInt8(ascii: "\""))
            XMLRewriter.escapeAttribute(value, into: &output)
            output.append(UInt8(ascii: "\""))
        }
        startOpen = true
        if rules.replaceText(name, "") != nil { replacing = (name, "") }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if pushedScope.removeLast() { scopes.removeLast() }
        let name = names.removeLast()
        let wasUnwrapped = unwrapped.removeLast()
        if skipping > 0 {
            skipping -= 1
            return
        }
        if wasUnwrapped { return }
        if let current = replacing, current.name == name {
            replacing = nil
            if let (text, words) = rules.replaceText(name, current.text) {
                if text != current.text { note(words) }
                closeStart()
                XMLRewriter.escapeText(text, into: &output)
            }
        }
        if startOpen {
            output += Array("/>".utf8)
            startOpen = false
        } else {
            output.append(UInt8(ascii: "<"))
            output.append(UInt8(ascii: "/"))
            output.append(contentsOf: elementName.utf8)
            output.append(UInt8(ascii: ">"))
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard skipping == 0 else { return }
        if replacing != nil {
            replacing?.text += string
            return
        }
        closeStart()
        var text = string
        if let (changed, words) = rules.textRun(names, string), changed != string {
            note(words)
            text = changed
        }
        XMLRewriter.escapeText(text, into: &output)
    }

    func parser(_ parser: XMLParser, foundIgnorableWhitespace whitespaceString: String) {
        self.parser(parser, foundCharacters: whitespaceString)
    }

    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        self.parser(parser, foundCharacters: String(decoding: block, as: UTF8.self))
    }

    func parser(_ parser: XMLParser, foundProcessingInstructionWithTarget target: String, data: String?) {
        guard skipping == 0, replacing == nil else { return }
        closeStart()
        output += Array("<?\(target)".utf8)
        if let data, !data.isEmpty { output += Array(" \(data)".utf8) }
        output += Array("?>".utf8)
    }

    func parser(_ parser: XMLParser, foundComment comment: String) {
        if !comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { note("XML comments") }
    }

    // Declarations can only come from a DOCTYPE's internal subset, which is refused
    // before parsing; should one get here anyway, parsing stops before any expansion.
    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        refuseDeclarations(parser)
    }

    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
        refuseDeclarations(parser)
    }

    private func refuseDeclarations(_ parser: XMLParser) {
        failure = "an XML part declares entities, which no office document uses"
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        // libxml2 reports an undeclared prefix (old OpenOffice files rely on their DTD
        // for it) as an error but parses on; `parse()` returning false is what counts.
    }
}
