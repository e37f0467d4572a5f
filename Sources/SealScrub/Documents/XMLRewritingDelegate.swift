import Foundation
import SealCore
#if canImport(FoundationXML)
import FoundationXML
#endif

final class RewritingDelegate: NSObject, XMLParserDelegate {
    let rules: XMLRules
    var output: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n".utf8)
    var findings = Findings()
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
        findings.add(words)
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
