import CQPDF
import Foundation
import SealCore

/// One walk over a PDF. Removal happens in qpdf's in-memory copy in both modes, so the walk
/// never descends into what a scrub would drop; only a scrub writes the result.
struct PDFPass {
    let document: QPDFDocument
    let input: InputFile
    let name: String
    let cleaning: Bool
    var findings = Findings()

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
                try remove(["/IDS", "/URLS"], from: names, saying: Self.webCapture)
            }
        }
        try remove(["/SpiderInfo"], from: root, saying: Self.webCapture)
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

    static let webCapture = "web capture records (addresses and dates)"

    /// Removes those of `keys` that `d` has, saying once what went.
    mutating func remove(_ keys: [String], from d: Handle, saying words: String, identifying: Bool = true) throws {
        for key in keys where document.has(d, key) {
            findings.add(words, identifying: identifying)
            try document.remove(d, key)
        }
    }

    mutating func embeddedFile(_ label: String) {
        fileInside("embedded file", named: label)
    }

    /// A file carried inside the PDF, named so the source can send it on its own.
    mutating func fileInside(_ kind: String, named label: String) {
        let shown = UntrustedLabel.name(label)
        let what = shown.isEmpty ? "an \(kind)" : "\(kind) \"\(shown)\""
        findings.add(cleaning ? "\(what): send it as its own attachment" : what)
    }

    /// The name a file specification gives its file (/UF is Unicode, /F the older form).
    func fileName(_ spec: Handle) throws -> String? {
        switch try document.type(spec) {
        case ot_string: return try document.text(spec)
        case ot_dictionary: return try document.text(spec, "/UF") ?? document.text(spec, "/F")
        default: return nil
        }
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
        for (key, words) in removable + Self.softwareKeys {
            try remove([key], from: d, saying: words)
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
}
