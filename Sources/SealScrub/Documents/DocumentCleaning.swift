import Foundation
import SealCore

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
    private(set) var findings = Findings()

    init(package: ZIPPackage, writing: Bool, depth: Int) throws {
        self.package = package
        self.depth = depth
        self.writer = writing ? try ZIPPackageWriter() : nil
    }

    func note(_ words: String) {
        findings.add(words)
    }

    func note(_ words: [String]) {
        findings.add(contentsOf: words)
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
        Result(bytes: writer?.finish() ?? [], findings: findings.removed)
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
        case .notAnImage(let type) where [.gif, .unknown].contains(type) && Self.isDrawing(bytes):
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
