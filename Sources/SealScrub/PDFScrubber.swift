import CQPDF
import Foundation
import SealCore

/// PDF: opens the file with qpdf, walks every object reachable from the trailer, removes
/// what names people, machines and earlier versions, and has qpdf write the whole file
/// anew (see `QPDFDocument.write`). The text, fonts, vector drawings and images are copied
/// as stored; JPEG images go through the JPEG scrubber, since a photo pasted into a report
/// carries its camera's EXIF and GPS position however clean the PDF around it is.
///
/// Removed: the Info dictionary (author, title, software, dates), the document IDs, XMP
/// metadata streams on the document and on any object, application private data
/// (PieceInfo), modification dates, page thumbnails (a thumbnail can show an earlier
/// version of the page), annotation authors, dates and IDs, embedded and attached files
/// (which are documents of their own: the source is told to send them as attachments),
/// sound, video and 3D annotations, JavaScript, actions that open other files or send
/// form data, automatic actions, XFA form data, and every earlier incremental revision.
///
/// Refused: files that need a password to open, digitally signed files (cleaning breaks
/// the signature, which is the file's proof of authenticity, so the source decides), and
/// damaged files (qpdf's recovery is switched off: a reconstructed file is a guess).
///
/// Kept, and not inspected: text in the pages (which may name people), JPEG 2000 and
/// other non-JPEG images (they carry no EXIF, but JPEG 2000 can hold XMP boxes), inline
/// images inside content streams, colour profiles and fonts.
struct PDFScrubber: Scrubber {
    var types: [ContentType] { [.pdf] }

    /// The largest PDF accepted. Cleaned JPEG images stay in memory until the file is
    /// written, so this bounds them. It does not bound qpdf's own memory: qpdf 11.3 holds
    /// every parsed object (a few hundred bytes per array element) and inflates an object
    /// stream whole, and its C API has no limit to set (Tests/scrub/test_pdf.py records
    /// both as known limits).
    static let maxInputSize = 512 << 20
    /// Objects visited in one walk; real documents have thousands, a few have millions.
    static let maxObjects = 4_000_000

    /// Memory qpdf may take on top of what the process already uses: a 40 MB scanned
    /// contract needs about 80 MiB, a 1,000-page report a few hundred.
    static let memoryAllowance = 512 << 20

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        try MemoryCeiling.run(allowing: Self.memoryAllowance) {
            var pass = try PDFPass(input, cleaning: true)
            try pass.run()
            try pass.document.write(to: output)
            return pass.findings.removed
        }
    }

    func inspect(_ input: InputFile) throws -> [String] {
        try MemoryCeiling.run(allowing: Self.memoryAllowance) {
            var pass = try PDFPass(input, cleaning: false)
            try pass.run()
            return pass.findings.identifying
        }
    }
}

/// One walk over a PDF. Removal happens in qpdf's in-memory copy in both modes, so the walk
/// never descends into what a scrub would drop; only a scrub writes the result.
private struct PDFPass {
    let document: QPDFDocument
    let input: InputFile
    let name: String
    let cleaning: Bool
    var findings = ImageFindings()

    typealias Handle = QPDFDocument.Handle

    init(_ input: InputFile, cleaning: Bool) throws {
        let name = URL(fileURLWithPath: input.path).lastPathComponent
        guard try input.size() <= PDFScrubber.maxInputSize else {
            throw ScrubError.refused(name: name, format: "PDF", reason: "it is larger than \(PDFScrubber.maxInputSize >> 20) MiB")
        }
        self.document = try QPDFDocument(input, name: name)
        self.input = input
        self.name = name
        self.cleaning = cleaning
    }

    /// Annotations that hold a file, a sound or a film of their own.
    static let mediaAnnotations: Set<String> = ["/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"]
    /// Annotations whose /T is the name of the person who wrote them. Widgets and form
    /// fields use /T for the field's name, which the form needs.
    static let markupAnnotations: Set<String> = [
        "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
        "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/Popup", "/FileAttachment",
        "/Sound", "/Redact", "/Projection",
    ]
    /// Actions that run code, open other files (whose paths name folders on the author's
    /// computer), send form data to a server, or play embedded media. Links to pages and
    /// web addresses stay: they are part of what the document says.
    static let removedActions: [String: String] = [
        "/JavaScript": "JavaScript",
        "/Launch": "links that open other files or programs",
        "/GoToR": "links that open other files or programs",
        "/GoToE": "links that open other files or programs",
        "/ImportData": "links that open other files or programs",
        "/SubmitForm": "form actions that send data to a web address",
        "/Rendition": "actions that play embedded media",
        "/Movie": "actions that play embedded media",
        "/Sound": "actions that play embedded media",
        "/RichMediaExecute": "actions that play embedded media",
    ]
    /// What a reader needs, and the structure of a cross-reference stream (which qpdf reads
    /// the trailer from and never writes back). Anything else is removed: qpdf would copy it.
    static let trailerKept: Set<String> = [
        "/Root", "/Size", "/Encrypt", "/Prev", "/XRefStm", "/Type", "/W", "/Index", "/Filter", "/DecodeParms", "/Length",
    ]

    mutating func run() throws {
        if document.isEncrypted {
            findings.add("encryption (the file opened without a password)", identifying: false)
        }
        if try earlierRevisions() { findings.add("earlier revisions of the document") }
        let trailer = try document.trailer()
        defer { document.release(trailer) }
        try cleanTrailer(trailer)
        let root = try document.root()
        try cleanCatalog(root)
        try walk(from: root)
    }

    // MARK: Trailer and catalog

    /// The trailer keeps only what a reader needs to find the document. The Info dictionary
    /// goes whole; its keys are named so the source knows what the file said about them.
    mutating func cleanTrailer(_ trailer: Handle) throws {
        for key in try document.keys(trailer) where !Self.trailerKept.contains(key) {
            switch key {
            case "/Info":
                try describeInfo(trailer)
            case "/ID":
                // The first ID stays the same across every copy and edit of a document, so
                // it links the sent file to the author's copy. Every cleaned file gets a new
                // ID too, and `seal open` cannot tell one from the other: no warning.
                findings.add("document IDs", identifying: false)
            default:
                findings.add("other trailer entries")
            }
            try document.remove(trailer, key)
        }
    }

    mutating func describeInfo(_ trailer: Handle) throws {
        guard let info = try document.value(trailer, "/Info") else { return }
        defer { document.release(info) }
        guard try document.type(info) == ot_dictionary else { return }
        for key in try document.keys(info) where key != "/Trapped" {
            guard let value = try document.text(info, key), !value.isEmpty else { continue }
            findings.add(Self.infoWords[key] ?? "other document properties")
        }
    }

    static let creatorWords = "name of the program that created it"
    static let producerWords = "name of the program that made the PDF"
    static let infoWords: [String: String] = [
        "/Author": "author name", "/Creator": creatorWords, "/Producer": producerWords, "/Title": "title", "/Subject": "subject",
        "/Keywords": "keywords", "/CreationDate": "creation date", "/ModDate": "modification date",
    ]

    /// Entries outside the Info dictionary that name the software, its version or a file
    /// on the author's disk. Producers write /Creator and /Producer into page and image
    /// dictionaries too; a form XObject imported from another PDF by pdfTeX carries that
    /// PDF's whole Info dictionary (/PTEX.InfoDict) and its path (/PTEX.FileName); a layer's
    /// /CreatorInfo names the drawing program.
    static let softwareKeys: [(key: String, words: String)] = [
        ("/Creator", creatorWords), ("/Producer", producerWords), ("/CreatorInfo", creatorWords),
        ("/PTEX.InfoDict", "document properties of an imported PDF"),
        ("/PTEX.FileName", "the path of an imported file on the author's computer"),
    ]

    /// What only the catalog holds: document JavaScript and embedded files (in the /Names
    /// dictionary), signatures' permissions, web-capture records.
    mutating func cleanCatalog(_ root: Handle) throws {
        guard try document.type(root) == ot_dictionary else {
            throw ScrubError.malformed(name: name, format: "PDF", reason: "its catalog is not a dictionary")
        }
        if let names = try document.value(root, "/Names") {
            defer { document.release(names) }
            if try document.type(names) == ot_dictionary {
                if let files = try document.value(names, "/EmbeddedFiles") {
                    try describeEmbeddedFiles(files)
                    try document.remove(names, "/EmbeddedFiles")
                }
                if document.has(names, "/JavaScript") {
                    findings.add("document JavaScript")
                    try document.remove(names, "/JavaScript")
                }
                for key in ["/IDS", "/URLS"] where document.has(names, key) {
                    findings.add("web capture records (addresses and dates)")
                    try document.remove(names, key)
                }
            }
        }
        if document.has(root, "/SpiderInfo") {
            findings.add("web capture records (addresses and dates)")
            try document.remove(root, "/SpiderInfo")
        }
        if let perms = try document.value(root, "/Perms") {
            defer { document.release(perms) }
            if try document.type(perms) == ot_dictionary, document.has(perms, "/DocMDP") {
                try signed()
            }
            // Usage rights (/UR3) unlock form filling in old Adobe Reader; their signature
            // is the software maker's, and a rewritten file invalidates it anyway.
            findings.add("usage-rights signature (Adobe Reader extensions)", identifying: false)
            try document.remove(root, "/Perms")
        }
    }

    /// Names each file in the /EmbeddedFiles name tree (and releases `tree`). The tree is
    /// walked without recursion and each node once, so a looping tree ends.
    mutating func describeEmbeddedFiles(_ tree: Handle) throws {
        var stack = [tree]
        var seen = Set<Int64>()
        while let node = stack.popLast() {
            defer { document.release(node) }
            if document.isIndirect(node) {
                let (n, g) = document.objectID(node)
                guard seen.insert(Int64(n) << 20 | Int64(g & 0xFFFFF)).inserted else { continue }
            }
            guard seen.count <= PDFScrubber.maxObjects else {
                throw ScrubError.refused(name: name, format: "PDF", reason: "its list of embedded files is too large")
            }
            guard try document.type(node) == ot_dictionary else { continue }
            if let kids = try document.value(node, "/Kids") {
                defer { document.release(kids) }
                if try document.type(kids) == ot_array {
                    for i in 0..<(try document.count(kids)) { stack.append(try document.item(kids, i)) }
                }
            }
            if let pairs = try document.value(node, "/Names") {
                defer { document.release(pairs) }
                guard try document.type(pairs) == ot_array else { continue }
                let n = try document.count(pairs)
                var i = 1
                while i < n {
                    let key = try document.item(pairs, i - 1)
                    let spec = try document.item(pairs, i)
                    let label = try fileName(spec) ?? document.text(key) ?? ""
                    document.release(key)
                    document.release(spec)
                    embeddedFile(label)
                    i += 2
                }
            }
        }
    }

    mutating func embeddedFile(_ label: String) {
        let shown = Self.printable(label)
        if cleaning {
            findings.add(shown.isEmpty ? "an embedded file: send it as its own attachment"
                                       : "embedded file \"\(shown)\": send it as its own attachment")
        } else {
            findings.add(shown.isEmpty ? "an embedded file" : "embedded file \"\(shown)\"")
        }
    }

    /// The name a file specification gives its file (/UF is Unicode, /F the older form).
    func fileName(_ spec: Handle) throws -> String? {
        switch try document.type(spec) {
        case ot_string: return try document.text(spec)
        case ot_dictionary: return try document.text(spec, "/UF") ?? document.text(spec, "/F")
        default: return nil
        }
    }

    /// A name from the file, safe to print: no control characters, bounded length.
    static func printable(_ s: String) -> String {
        let cleaned = String(s.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        return cleaned.count > 80 ? String(cleaned.prefix(80)) + "…" : cleaned
    }

    mutating func signed() throws {
        if cleaning {
            throw ScrubError.refused(
                name: name, format: "PDF",
                reason: "it is digitally signed, and removing metadata breaks the signature that proves where it came from; "
                    + "send it as it is with --allow-unscrubbed if the signature matters, or print it to a new PDF")
        }
        findings.add("a digital signature (it names the signer)")
    }

    // MARK: The walk

    /// Visits every object reachable from the catalog, each indirect object once, with an
    /// explicit stack: PDF objects can nest and refer to each other without limit.
    mutating func walk(from root: Handle) throws {
        var visited = Set<Int64>()
        var stack: [Handle] = [root]
        var steps = 0
        while let h = stack.popLast() {
            defer { document.release(h) }
            steps += 1
            if document.isIndirect(h) {
                let (n, g) = document.objectID(h)
                guard visited.insert(Int64(n) << 20 | Int64(g & 0xFFFFF)).inserted else { continue }
            }
            guard visited.count <= PDFScrubber.maxObjects, steps <= PDFScrubber.maxObjects * 8 else {
                throw ScrubError.refused(name: name, format: "PDF", reason: "it holds more objects than SealRelay accepts")
            }
            switch try document.type(h) {
            case ot_array:
                for i in 0..<(try document.count(h)) { try push(document.item(h, i), onto: &stack) }
            case ot_dictionary:
                try clean(dictionary: h, isCatalog: h == root)
                for key in try document.keys(h) { if let v = try document.value(h, key) { try push(v, onto: &stack) } }
            case ot_stream:
                let dict = try document.streamDictionary(h)
                defer { document.release(dict) }
                try clean(dictionary: dict, isCatalog: false)
                try cleanImage(h, dictionary: dict)
                for key in try document.keys(dict) { if let v = try document.value(dict, key) { try push(v, onto: &stack) } }
            default:
                break
            }
        }
    }

    /// Only what can hold other objects waits on the stack; numbers, names and strings are
    /// released at once, so an array of millions of numbers does not become millions of
    /// live handles.
    private func push(_ h: Handle, onto stack: inout [Handle]) throws {
        if document.isIndirect(h) {
            stack.append(h)
            return
        }
        switch try document.type(h) {
        case ot_array, ot_dictionary, ot_stream: stack.append(h)
        default: document.release(h)
        }
    }

    /// Removes from one dictionary whatever describes its author or history, before the
    /// walk descends into it, so removed subtrees (an XMP stream, an attached file) are
    /// never visited and never written.
    mutating func clean(dictionary d: Handle, isCatalog: Bool) throws {
        let removable: [(key: String, words: String)] = [
            ("/Metadata", isCatalog ? "XMP metadata" : "XMP metadata on pages, images or fonts"),
            ("/PieceInfo", "private data of the program that made it (PieceInfo)"),
            ("/LastModified", "modification dates"),
            ("/Thumb", "page thumbnails"),
            ("/AA", "automatic actions (run on opening, closing or typing)"),
            ("/XFA", "XFA form data"),
        ]
        for (key, words) in removable + Self.softwareKeys where document.has(d, key) {
            findings.add(words)
            try document.remove(d, key)
        }
        if let af = try document.value(d, "/AF") {
            try describeFiles(af)
            document.release(af)
            try document.remove(d, "/AF")
        }
        // A file specification with the file's bytes inside it; whatever points at it (an
        // annotation kept by mistake, a link) then points at a name only.
        for key in ["/EF", "/RF"] where document.has(d, key) {
            if key == "/EF" { embeddedFile(try fileName(d) ?? "") }
            try document.remove(d, key)
        }
        if try document.name(d, "/FT") == "/Sig", document.has(d, "/V") {
            try signed()
        }
        if let subtype = try document.name(d, "/Subtype") {
            try cleanAnnotation(d, subtype: subtype)
        }
        for key in ["/A", "/OpenAction", "/Next"] {
            try removeActions(d, key)
        }
        if let annots = try document.value(d, "/Annots") {
            defer { document.release(annots) }
            if try document.type(annots) == ot_array { try removeMediaAnnotations(annots) }
        }
    }

    mutating func describeFiles(_ af: Handle) throws {
        switch try document.type(af) {
        case ot_array:
            for i in 0..<(try document.count(af)) {
                let spec = try document.item(af, i)
                embeddedFile(try fileName(spec) ?? "")
                document.release(spec)
            }
        default:
            embeddedFile(try fileName(af) ?? "")
        }
    }

    mutating func cleanAnnotation(_ d: Handle, subtype: String) throws {
        let isAnnotation = try document.name(d, "/Type") == "/Annot" || document.has(d, "/Rect")
        guard isAnnotation else { return }
        if Self.markupAnnotations.contains(subtype), !document.has(d, "/FT"), document.has(d, "/T") {
            findings.add("names of annotation authors")
            try document.remove(d, "/T")
        }
        for key in ["/M", "/CreationDate"] where document.has(d, key) {
            findings.add("annotation dates")
            try document.remove(d, key)
        }
        if document.has(d, "/NM") {
            // Often a UUID the commenting program made up: not a name, but unique to the
            // author's copy.
            findings.add("annotation IDs", identifying: false)
            try document.remove(d, "/NM")
        }
        if Self.mediaAnnotations.contains(subtype) {
            // Reached by another path than the page (a pop-up's /Parent): it is no longer
            // on any page, and what it carried goes here.
            try describeMedia(d, subtype: subtype)
            for key in ["/FS", "/Sound", "/Movie", "/RichMediaContent", "/3DD"] where document.has(d, key) {
                try document.remove(d, key)
            }
        }
    }

    /// An action under `key` (a dictionary, or for /Next also an array of them) that runs
    /// code or reaches outside the document is removed.
    mutating func removeActions(_ d: Handle, _ key: String) throws {
        guard let action = try document.value(d, key) else { return }
        defer { document.release(action) }
        switch try document.type(action) {
        case ot_dictionary:
            if let s = try document.name(action, "/S"), let words = Self.removedActions[s] {
                findings.add(words)
                try document.remove(d, key)
            }
        case ot_array where key == "/Next":
            var i = try document.count(action) - 1
            while i >= 0 {
                let item = try document.item(action, i)
                defer { document.release(item) }
                if try document.type(item) == ot_dictionary, let s = try document.name(item, "/S"),
                   let words = Self.removedActions[s] {
                    findings.add(words)
                    try document.erase(action, i)
                }
                i -= 1
            }
        default:
            break
        }
    }

    /// File attachment, sound, video and 3D annotations leave the page, and so does the
    /// pop-up note that belongs to each.
    mutating func removeMediaAnnotations(_ annots: Handle) throws {
        var popups = Set<Int64>()
        var i = try document.count(annots) - 1
        while i >= 0 {
            let a = try document.item(annots, i)
            defer { document.release(a) }
            if try document.type(a) == ot_dictionary, let s = try document.name(a, "/Subtype"),
               Self.mediaAnnotations.contains(s) {
                try describeMedia(a, subtype: s)
                if let p = try document.value(a, "/Popup") {
                    if document.isIndirect(p) {
                        let (n, g) = document.objectID(p)
                        popups.insert(Int64(n) << 20 | Int64(g & 0xFFFFF))
                    }
                    document.release(p)
                }
                try document.erase(annots, i)
            }
            i -= 1
        }
        guard !popups.isEmpty else { return }
        i = try document.count(annots) - 1
        while i >= 0 {
            let a = try document.item(annots, i)
            defer { document.release(a) }
            if document.isIndirect(a) {
                let (n, g) = document.objectID(a)
                if popups.contains(Int64(n) << 20 | Int64(g & 0xFFFFF)) { try document.erase(annots, i) }
            }
            i -= 1
        }
    }

    mutating func describeMedia(_ a: Handle, subtype: String) throws {
        guard subtype == "/FileAttachment" else {
            findings.add("sound, video or 3D annotations")
            return
        }
        guard let fs = try document.value(a, "/FS") else { return }
        defer { document.release(fs) }
        let shown = Self.printable(try fileName(fs) ?? "")
        if cleaning {
            findings.add(shown.isEmpty ? "an attached file: send it as its own attachment"
                                       : "attached file \"\(shown)\": send it as its own attachment")
        } else {
            findings.add(shown.isEmpty ? "an attached file" : "attached file \"\(shown)\"")
        }
    }

    // MARK: Images

    /// Filters that may wrap a JPEG and that SealRelay undoes to reach it: the ASCII
    /// encodings, which reportlab applies by default and which can only shrink when
    /// decoded. A JPEG under Flate (or LZW, RunLength) is refused: decoding it could
    /// expand without bound, and qpdf's C API has no limit to set.
    static let asciiFilters: Set<String> = ["/ASCII85Decode", "/ASCIIHexDecode", "/A85", "/AHx"]

    /// A JPEG image is stored whole inside the PDF, EXIF, GPS and camera serial included:
    /// it goes through the JPEG scrubber, and its cleaned bytes replace the old ones, under
    /// the one filter /DCTDecode (an ASCII layer around it is dropped).
    mutating func cleanImage(_ stream: Handle, dictionary: Handle) throws {
        guard try document.name(dictionary, "/Subtype") == "/Image",
              let filter = try document.value(dictionary, "/Filter") else { return }
        defer { document.release(filter) }
        var filters: [String] = []
        switch try document.type(filter) {
        case ot_name:
            filters = [try document.name(filter) ?? ""]
        case ot_array:
            for i in 0..<(try document.count(filter)) {
                let f = try document.item(filter, i)
                filters.append(try document.name(f) ?? "")
                document.release(f)
            }
        default:
            return
        }
        guard filters.contains("/DCTDecode") || filters.contains("/DCT") else { return }
        let (n, g) = document.objectID(stream)
        let label = "image \(n) \(g) in \(name)"
        let outer = Array(filters.dropLast())
        guard ["/DCTDecode", "/DCT"].contains(filters.last ?? ""), outer.allSatisfy(Self.asciiFilters.contains) else {
            if cleaning {
                throw ScrubError.refused(name: name, format: "PDF",
                                         reason: "a JPEG image (object \(n)) is compressed a second time, and SealRelay cannot reach its metadata")
            }
            findings.add("a JPEG image SealRelay cannot check")
            return
        }
        // The JPEG's own decode parameters (/ColorTransform), which stay with it.
        var jpegParms: Handle?
        if let parms = try document.value(dictionary, "/DecodeParms") {
            if try document.type(parms) == ot_array {
                let count = try document.count(parms)
                if count > 0 { jpegParms = try document.item(parms, count - 1) }
                document.release(parms)
            } else {
                jpegParms = parms
            }
        }
        defer { if let jpegParms { document.release(jpegParms) } }
        let raw: [UInt8]
        if outer.isEmpty {
            raw = try document.streamData(stream)
        } else {
            try document.setFilters(dictionary, outer)
            raw = try document.streamData(stream, decoding: qpdf_dl_generalized)
        }
        if !cleaning {
            do {
                guard ContentType.detect(Array(raw.prefix(64))) == .jpeg, let found = try EmbeddedImage.inspect(raw, name: label) else {
                    findings.add("a JPEG image SealRelay cannot check")
                    return
                }
                for w in found { findings.add("\(w) in an embedded image") }
            } catch {
                findings.add("a JPEG image SealRelay cannot check")
            }
            return
        }
        let outcome: EmbeddedImage.Outcome
        do {
            outcome = try EmbeddedImage.clean(raw, name: label)
        } catch let error as ScrubError {
            throw ScrubError.refused(name: name, format: "PDF", reason: "its JPEG image (object \(n)) cannot be cleaned: \(Self.reason(error))")
        }
        guard case .cleaned(let bytes, let removed) = outcome else {
            throw ScrubError.refused(name: name, format: "PDF", reason: "image object \(n) says it is a JPEG but is not one")
        }
        for w in removed { findings.add("\(w) in an embedded image") }
        if bytes != raw || !outer.isEmpty {
            try document.replaceStreamData(stream, with: bytes, filter: "/DCTDecode", parms: jpegParms)
        }
    }

    static func reason(_ error: ScrubError) -> String {
        switch error {
        case .malformed(_, _, let reason), .refused(_, _, let reason), .notCleaned(_, let reason): return reason
        case .unsupported(_, let type): return "unsupported \(type)"
        }
    }

    // MARK: Revisions

    /// Whether the file holds more than one revision. Each incremental update appends a new
    /// cross-reference section ending in %%EOF, and the old ones, with the old metadata,
    /// stay in the file; a linearized file has one extra %%EOF of its own. The count is a
    /// byte search, so a %%EOF inside a stream (an embedded PDF) counts too: it can only
    /// make the report say "earlier revisions" when there were none.
    func earlierRevisions() throws -> Bool {
        let size = try input.size()
        let marker = Array("%%EOF".utf8)
        var count = 0
        var offset = 0
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while offset < size {
            let n = try block.withUnsafeMutableBytes { try input.read(into: $0, at: offset) }
            if n == 0 { break }
            var i = 0
            while i + marker.count <= n {
                if block[i] == 0x25, block[i + 1] == 0x25, block[i + 2] == 0x45, block[i + 3] == 0x4F, block[i + 4] == 0x46 {
                    count += 1
                }
                i += 1
            }
            // Overlap by the marker's length less one, so a marker across blocks counts once.
            offset += n < block.count ? n : n - (marker.count - 1)
        }
        return count - (document.isLinearized ? 1 : 0) > 1
    }
}
