import Foundation
import SealCore

/// OpenDocument packages (LibreOffice's odt, ods, odp; ISO/IEC 26300).
///
/// `meta.xml` becomes an empty one; `settings.xml` (printer name, window layout), the
/// thumbnail, editor configuration and macros are left out, and so are their manifest
/// entries. Comments keep their text, with authors renamed and dates neutralised; tracked
/// changes are accepted; fields that print the author's name or the file's path are removed.
struct ODFCleaner {
    let c: DocumentCleaning

    init(_ cleaning: DocumentCleaning) {
        self.c = cleaning
    }

    static let mimeTypePrefix = "application/vnd.oasis.opendocument."

    static func isOpenDocument(_ package: ZIPPackage) throws -> Bool {
        guard package.parts.first == "mimetype" else { return false }
        let type = try package.read("mimetype")
        return type.count < 128 && String(decoding: type, as: UTF8.self).hasPrefix(mimeTypePrefix)
    }

    enum Treatment: Equatable {
        case mimetype, manifest, meta, content, media, keep
        case drop(String)
    }

    func run() throws {
        let manifest = try c.package.read("META-INF/manifest.xml")
        if bytesContain(manifest, "encryption-data") {
            throw DocumentError("it is password-protected; save an unprotected copy first")
        }
        var plan: [String: Treatment] = [:]
        for part in c.package.parts { plan[part] = classify(part) }
        let dropped = Set(plan.compactMap { part, t in if case .drop = t { return part } else { return nil } })
        let version = try XMLRewriter.attributes(of: "manifest", in: manifest, part: "META-INF/manifest.xml")
            .first?["version"] ?? "1.2"

        for part in c.package.parts {
            switch plan[part] ?? .drop("") {
            case .mimetype:
                // ODF readers find the type at a fixed offset: first entry, uncompressed.
                try c.write(part, c.package.read(part), stored: true)
            case .manifest:
                try c.rewrite(part, rules: Self.manifestRules(dropping: dropped))
            case .meta:
                try c.replace(part, surveyedWith: Self.metaSurvey, by: Self.neutralMeta(version: version))
            case .content:
                try c.rewrite(part, rules: Self.contentRules(pseudonyms: c.pseudonyms, package: c.package))
            case .media:
                try c.media(part)
            case .keep:
                try c.keep(part)
            case .drop(let words):
                c.note(words)
            }
        }
    }

    func classify(_ part: String) -> Treatment {
        let file = part.split(separator: "/").last.map(String.init) ?? part
        switch part {
        case "mimetype": return .mimetype
        case "META-INF/manifest.xml": return .manifest
        default: break
        }
        if part.hasPrefix("Thumbnails/") { return .drop("thumbnail picture of the first page") }
        if part.hasPrefix("Configurations2/") || file == "layout-cache" { return .drop("") }
        if file == "settings.xml" { return .drop("editor settings (printer name, window layout)") }
        if file == "meta.xml" { return .meta }
        if file == "manifest.rdf" { return .drop("RDF metadata") }
        if part.hasPrefix("META-INF/"), part.contains("signatures") { return .drop("digital signature (names the signer)") }
        if part.hasPrefix("Basic/") || part.hasPrefix("Scripts/") { return .drop("macros") }
        if file == "content.xml" || file == "styles.xml" { return .content }
        if part.hasPrefix("Pictures/") || part.hasPrefix("media/") || part.contains("/Pictures/") { return .media }
        if part.hasPrefix("ObjectReplacements/") { return .media }
        return .drop("an unknown part (\(part))")
    }

    static let office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    static let meta = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
    static let dc = "http://purl.org/dc/elements/1.1/"
    static let textNS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    static let tableNS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    static let manifestNS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
    static let loext = "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"
    static let xlink = "http://www.w3.org/1999/xlink"
    static let svg = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"

    /// Fields whose displayed text is the author's name or the file's place on disk.
    static let identifyingFields: Set<String> = [
        "author-name", "author-initials", "file-name", "initial-creator", "creator",
        "sender-firstname", "sender-lastname", "sender-initials", "sender-title", "sender-position",
        "sender-email", "sender-phone-private", "sender-fax", "sender-company", "sender-phone-work",
        "sender-street", "sender-city", "sender-postal-code", "sender-country", "sender-state-or-province",
        "user-defined",
    ]

    /// Tracked changes are accepted. An OpenDocument body already reads as the document
    /// reads now; the change log (each edit's author, date and deleted text) and the
    /// markers that point into it are all that goes.
    static let trackedChangeMarkup: Set<XMLName> = [
        XMLName(textNS, "tracked-changes"), XMLName(tableNS, "tracked-changes"),
        XMLName(textNS, "change"), XMLName(textNS, "change-start"), XMLName(textNS, "change-end"),
        XMLName(office, "change-info"),
    ]

    static func contentRules(pseudonyms: Pseudonyms, package: ZIPPackage) -> XMLRules {
        XMLRules(
            dropElement: { name, _ in
                if name.namespace == textNS, identifyingFields.contains(name.local) { return "fields showing the author's name or the file's path" }
                return trackedChangeMarkup.contains(name) ? OOXMLRules.trackedChanges : nil
            },
            attribute: { _, _, name, value in
                // Links to pictures and files outside the package name the author's folders.
                guard name == XMLName(xlink, "href"), !package.contains(value), LocalPath.isLocal(value) else { return .keep }
                return .replace(LocalPath.basename(value), "links to files on the author's computer (folder paths removed)")
            },
            textRun: { open, text in
                // A note carried over from Excel starts with its author's name.
                guard open.contains(XMLName(office, "annotation")), open.last?.namespace == textNS else { return nil }
                return (pseudonyms.replacingLeadingAuthor(in: text), OOXMLRules.authors)
            },
            replaceText: { name, text in
                switch (name.namespace, name.local) {
                case (dc, "creator"): return (pseudonyms.name(for: text), OOXMLRules.authors)
                case (dc, "date"): return (text.isEmpty ? text : "2000-01-01T00:00:00", OOXMLRules.dates)
                case (svg, "desc"), (svg, "title"):
                    // Picture descriptions carried over from Word can be the picture's full path.
                    return (LocalPath.isLocal(text) ? LocalPath.basename(text) : text, "file paths of inserted pictures")
                case (meta, "creator-initials"), (loext, "sender-initials"):
                    return (text.isEmpty ? text : Pseudonyms.initials, OOXMLRules.authors)
                default: return nil
                }
            })
    }

    static func manifestRules(dropping dropped: Set<String>) -> XMLRules {
        XMLRules(dropElement: { name, attributes in
            guard name == XMLName(manifestNS, "file-entry"), let path = attributes[XMLName(manifestNS, "full-path")] else { return nil }
            // Folder entries ("Configurations2/") go when everything in them went.
            let gone = dropped.contains(path) || (path.hasSuffix("/") && path != "/" && dropped.contains(where: { $0.hasPrefix(path) }))
            return gone ? "" : nil
        })
    }

    static let metaWords: [String: String] = [
        "initial-creator": "author name", "creator": "name of the last editor",
        "creation-date": "creation and modification dates", "date": "creation and modification dates",
        "print-date": "date last printed", "printed-by": "name of who printed it",
        "editing-cycles": "revision number", "editing-duration": "total editing time",
        "generator": "software name and version", "title": "title, subject and keywords",
        "subject": "title, subject and keywords", "keyword": "title, subject and keywords",
        "description": "title, subject and keywords", "user-defined": "custom document properties",
        "template": "template name",
    ]

    /// Surveys only: what `meta.xml` held, before it is replaced.
    static var metaSurvey: XMLRules { XMLRules(
        dropElement: { name, _ in name == XMLName(meta, "template") ? "template name" : nil },
        replaceText: { name, _ in metaWords[name.local].map { ("", $0) } }) }

    static func neutralMeta(version: String) -> String {
        let safe = version.allSatisfy { $0.isNumber || $0 == "." } ? version : "1.2"
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <office:document-meta xmlns:office="\(office)" office:version="\(safe)"><office:meta/></office:document-meta>
            """
    }
}
