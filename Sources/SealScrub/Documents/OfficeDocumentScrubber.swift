import Foundation
import SealCore

/// Office documents: Word, Excel and PowerPoint files (OOXML) and OpenDocument files
/// (LibreOffice). Both are ZIP packages of XML parts, and both carry the author, the
/// company, the editing history and the machine inside those parts.
///
/// The package is rebuilt part by part from an allowlist: known content is rewritten with
/// identifying attributes removed, property parts are replaced by empty ones, pictures go
/// through the image scrubbers, and anything not on the list is left out and reported.
/// Whatever is left out takes every reference to it along (relationships, content types,
/// manifest entries), so Word and LibreOffice open the result without offering a "repair".
///
/// A ZIP file that is neither format is refused: an archive may hold anything.
struct OfficeDocumentScrubber: Scrubber {
    var types: [ContentType] { [.zip] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let name = URL(fileURLWithPath: input.path).lastPathComponent
        let result = try Self.clean(name: name, writing: true, depth: 0) { try ZIPPackage(file: input, name: name) }
        try output.write(result.bytes)
        return result.findings
    }

    func inspect(_ input: InputFile) throws -> [String] {
        let name = URL(fileURLWithPath: input.path).lastPathComponent
        return try Self.clean(name: name, writing: false, depth: 0) { try ZIPPackage(file: input, name: name) }.findings
    }

    /// A document inside a document (the spreadsheet behind a chart in a Word file) is
    /// cleaned the same way, one level deep; deeper nesting is refused.
    static let maxDepth = 1

    /// - Parameter open: reads the container; inside, so a file that is not a readable ZIP
    ///   is refused by name like any other damage.
    static func clean(name: String, writing: Bool, depth: Int, open: () throws -> ZIPPackage) throws -> DocumentCleaning.Result {
        do {
            let package = try open()
            let cleaning = try DocumentCleaning(package: package, writing: writing, depth: depth)
            if package.contains("[Content_Types].xml") {
                try OOXMLCleaner(cleaning).run()
            } else if package.contains("mimetype"), try ODFCleaner.isOpenDocument(package) {
                try ODFCleaner(cleaning).run()
            } else {
                throw ScrubError.unsupported(name: name, type: "ZIP archive")
            }
            return try cleaning.finish()
        } catch let error as DocumentError {
            throw ScrubError.refused(name: name, format: "office document", reason: error.description)
        }
    }
}

/// State shared by one cleaning pass: the package, the output being built, the pseudonyms
/// (shared by every part, so "Author 1" is the same person throughout) and the findings.
final class DocumentCleaning {
    struct Result {
        var bytes: [UInt8]
        var findings: [String]
    }

    let package: ZIPPackage
    let pseudonyms = Pseudonyms()
    let depth: Int
    private let writer: ZIPPackageWriter?
    private(set) var findings: [String] = []

    init(package: ZIPPackage, writing: Bool, depth: Int) throws {
        self.package = package
        self.depth = depth
        self.writer = writing ? try ZIPPackageWriter() : nil
    }

    func note(_ words: String) {
        if !words.isEmpty, !findings.contains(words) { findings.append(words) }
    }

    func note(_ words: [String]) {
        for w in words { note(w) }
    }

    func write(_ part: String, _ bytes: [UInt8], stored: Bool = false) throws {
        try writer?.add(part, bytes, stored: stored)
    }

    func rewrite(_ part: String, rules: XMLRules) throws {
        let result = try XMLRewriter.rewrite(package.read(part), part: part, rules: rules)
        note(result.findings)
        try write(part, result.bytes)
    }

    /// Replaces a property part by a neutral one, reporting what the original held: `survey`
    /// names each property that had a value.
    func replace(_ part: String, surveyedWith survey: XMLRules, by neutral: String) throws {
        note(try XMLRewriter.rewrite(package.read(part), part: part, rules: survey).findings)
        try write(part, Array(neutral.utf8))
    }

    func keep(_ part: String) throws {
        try write(part, package.read(part))
    }

    func finish() throws -> Result {
        Result(bytes: writer?.finish() ?? [], findings: findings)
    }

    /// What a picture or embedded file becomes. Photos are cleaned by the image scrubbers;
    /// drawing formats Office and LibreOffice generate themselves (GIF, BMP, EMF, WMF, SVM)
    /// hold no camera metadata and stay as they are; SVG is XML and is rewritten; a
    /// document inside the document is cleaned like this one. Anything else is refused:
    /// dropping a picture would leave the page pointing at nothing.
    func media(_ part: String) throws {
        let bytes = try package.read(part)
        if writer == nil, let found = try EmbeddedImage.inspect(bytes, name: part) {
            // Only looking: a harmless leftover (pixel density) must not raise a warning.
            note(found.map { "from pictures inside: \($0)" })
            return
        }
        switch try EmbeddedImage.clean(bytes, name: part) {
        case .cleaned(let cleaned, let removed):
            note(removed.map { "from pictures inside: \($0)" })
            try write(part, cleaned)
        case .notAnImage(.zip) where depth < OfficeDocumentScrubber.maxDepth:
            let inner = try OfficeDocumentScrubber.clean(name: part, writing: writer != nil, depth: depth + 1) {
                try ZIPPackage(bytes: bytes, name: part)
            }
            note(inner.findings.map { "from a document inside: \($0)" })
            try write(part, inner.bytes)
        case .notAnImage(.text) where Self.isSVG(bytes):
            try rewrite(part, rules: SVGRules.rules)
        case .notAnImage(.gif), .notAnImage(.unknown) where Self.isDrawing(bytes):
            try write(part, bytes)
        case .notAnImage:
            throw DocumentError("it contains \(part), an embedded file SealRelay cannot clean; remove it from the document first")
        }
    }

    static func isDrawing(_ b: [UInt8]) -> Bool {
        func at(_ offset: Int, _ sig: [UInt8]) -> Bool { b.count >= offset + sig.count && Array(b[offset..<offset + sig.count]) == sig }
        return at(0, Array("GIF8".utf8)) || at(0, Array("BM".utf8))
            || (at(0, [0x01, 0, 0, 0]) && at(40, Array(" EMF".utf8)))   // EMF
            || at(0, [0xD7, 0xCD, 0xC6, 0x9A]) || at(0, [0x01, 0x00, 0x09, 0x00]) || at(0, [0x02, 0x00, 0x09, 0x00])  // WMF
            || at(0, Array("VCLMTF".utf8))   // LibreOffice's StarView metafile
    }

    static func isSVG(_ b: [UInt8]) -> Bool {
        bytesContain(Array(b.prefix(4096)), "<svg")
    }
}

/// SVG pictures keep their drawing; editors' metadata blocks and their private namespaces
/// (Inkscape and Sodipodi record the file's path and name on the author's disk) go.
enum SVGRules {
    static let svg = "http://www.w3.org/2000/svg"
    static let editorNamespaces: Set<String> = [
        "http://www.inkscape.org/namespaces/inkscape",
        "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    ]

    static var rules: XMLRules { XMLRules(
        dropElement: { name, _ in
            if name == XMLName(svg, "metadata") { return "SVG metadata" }
            return editorNamespaces.contains(name.namespace) ? "drawing-program data" : nil
        },
        attribute: { _, _, name, _ in
            editorNamespaces.contains(name.namespace) ? .drop("drawing-program data (file paths)") : .keep
        }) }
}

/// Links in a document that point at files on the author's disk ("C:\Users\alice\…",
/// "file:///home/alice/…", "../../Pictures/…") name the person and their folders. They are
/// cut to the bare file name; web links stay.
enum LocalPath {
    static func isLocal(_ target: String) -> Bool {
        let t = target.lowercased()
        if t.hasPrefix("http://") || t.hasPrefix("https://") || t.hasPrefix("mailto:") || t.hasPrefix("#") { return false }
        return t.hasPrefix("file:") || t.hasPrefix("/") || t.hasPrefix("\\\\") || t.hasPrefix("../")
            || (t.count > 2 && t.dropFirst().hasPrefix(":\\")) || t.contains("\\")
    }

    static func basename(_ target: String) -> String {
        let cut = target.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return cut.removingPercentEncoding ?? cut
    }
}
