import Foundation
import SealCore

/// Word, Excel and PowerPoint packages (ECMA-376 / ISO 29500 Open Packaging Conventions).
///
/// Parts are classified by their declared content type, which is what Office itself goes
/// by. Every part the package drops is also removed from `[Content_Types].xml` and from
/// every relationship that targets it, and every element that refers to such a
/// relationship goes too: a dangling reference is what makes Word offer to "repair" a
/// file, the most common failure of existing cleaners.
struct OOXMLCleaner {
    let c: DocumentCleaning

    init(_ cleaning: DocumentCleaning) {
        self.c = cleaning
    }

    enum Treatment: Equatable {
        case contentTypes, relationships, coreProperties, appProperties, media, keep
        /// Content XML; Excel's comment parts also carry each note's author line.
        case rewrite(excelNotes: Bool)
        /// Left out; the words say what went ("" when the part held nothing of note).
        case drop(String)
    }

    func run() throws {
        let contentTypes = try ContentTypes(c.package.read("[Content_Types].xml"))
        var plan: [String: Treatment] = [:]
        for part in c.package.parts {
            plan[part] = try classify(part, contentType: contentTypes.type(of: part))
        }
        // Relationship parts of dropped parts go with them.
        for part in c.package.parts where plan[part] == .relationships {
            if let source = Relationships.source(of: part), !source.isEmpty, case .drop? = plan[source] {
                plan[part] = .drop("")
            }
        }
        let dropped = Set(plan.compactMap { part, t in if case .drop = t { return part } else { return nil } })

        // Which relationship ids each source part loses, worked out before any part is
        // written, so the source's references can go in the same pass.
        var lostIDs: [String: Set<String>] = [:]
        for part in c.package.parts where plan[part] == .relationships {
            guard let source = Relationships.source(of: part) else { continue }
            let list = try XMLRewriter.attributes(of: "Relationship", in: c.package.read(part), part: part)
            for rel in list {
                guard let id = rel["Id"], let type = rel["Type"], let target = rel["Target"] else { continue }
                if rel["TargetMode"] == "External" {
                    if Relationships.droppedExternalTypes.contains(where: type.hasSuffix) { lostIDs[source, default: []].insert(id) }
                } else if let resolved = Relationships.resolve(target, from: source), dropped.contains(resolved) {
                    lostIDs[source, default: []].insert(id)
                }
            }
        }

        for part in c.package.parts {
            switch plan[part] ?? .drop("") {
            case .contentTypes:
                try c.rewrite(part, rules: ContentTypes.rules(dropping: dropped))
            case .relationships:
                let source = Relationships.source(of: part) ?? ""
                try c.rewrite(part, rules: Relationships.rules(dropping: lostIDs[source] ?? []))
            case .rewrite(let notes):
                try c.rewrite(part, rules: OOXMLRules.rules(pseudonyms: c.pseudonyms, lostIDs: lostIDs[part] ?? [], excelNotes: notes))
            case .coreProperties:
                try c.replace(part, surveyedWith: OOXMLRules.coreProperties, by: OOXMLRules.neutralCore)
            case .appProperties:
                try c.replace(part, surveyedWith: OOXMLRules.appProperties, by: OOXMLRules.neutralApp)
            case .media:
                try c.media(part)
            case .keep:
                try c.keep(part)
            case .drop(let words):
                c.note(words)
            }
        }
    }

    func classify(_ part: String, contentType: String?) throws -> Treatment {
        if part == "[Content_Types].xml" { return .contentTypes }
        let type = (contentType ?? "").lowercased()
        if part.hasSuffix(".rels"), type.isEmpty || type == Relationships.contentType { return .relationships }
        if type == "application/vnd.openxmlformats-package.core-properties+xml" { return .coreProperties }
        if type == "application/vnd.openxmlformats-officedocument.extended-properties+xml" { return .appProperties }
        if type == "application/vnd.openxmlformats-officedocument.custom-properties+xml" { return .drop("custom document properties") }
        if part.hasPrefix("docProps/thumbnail") { return .drop("thumbnail picture of the first page") }
        if type.hasSuffix(".people+xml") { return .drop("list of the people who edited it (people.xml)") }
        if type.hasSuffix(".printersettings") || part.contains("/printerSettings/") { return .drop("printer settings (printer name)") }
        if part.hasPrefix("customXml/") { return .drop("custom XML data (server and author properties)") }
        if type.contains("vbaproject") || type.contains("vbadata") { return .drop("macros") }
        if type.contains("revisioninfo") || type.contains("changesinfo") || part.contains("/revisionInfo") || part.contains("/changesInfos/") {
            return .drop("revision history")
        }
        // A shared workbook's change log: every edit with its editor's name and time, and
        // the list of everyone who opened it. Dropped whole, as Word's tracked changes are
        // accepted: the sheet already holds the values as they are now.
        if Self.sharedWorkbookLog.contains(where: type.hasSuffix) {
            return .drop("revision history")
        }
        if part.hasPrefix("docMetadata/") { return .drop("sensitivity label (names the organisation)") }
        if part.contains("webextensions/") || part.contains("/webextensions/") { return .drop("add-in data") }
        if type.hasSuffix(".externallink+xml") {
            throw DocumentError("it links to other files on the author's computer (external links); remove the links first")
        }
        if type.hasPrefix("image/") || part.contains("/media/") || part.contains("/embeddings/") { return .media }
        if type.contains("font") { return .keep }
        if Self.knownFamilies.contains(where: type.hasPrefix), type.hasSuffix("+xml") || type.hasSuffix(".vmldrawing") {
            return .rewrite(excelNotes: type.hasSuffix("spreadsheetml.comments+xml"))
        }
        return .drop("an unknown part (\(part))")
    }

    static let sharedWorkbookLog = [".revisionheaders+xml", ".revisionlog+xml", ".usernames+xml"]

    /// Content-type families of document content: text, sheets, slides, drawings, charts
    /// and themes. Parts of these types are rewritten by the rules in `OOXMLRules`.
    static let knownFamilies = [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.",
        "application/vnd.openxmlformats-officedocument.presentationml.",
        "application/vnd.openxmlformats-officedocument.drawingml.",
        "application/vnd.openxmlformats-officedocument.drawing+xml",
        "application/vnd.openxmlformats-officedocument.theme",
        "application/vnd.openxmlformats-officedocument.vmldrawing",
        "application/vnd.ms-word.", "application/vnd.ms-excel.", "application/vnd.ms-powerpoint.",
        "application/vnd.ms-office.chart", "application/vnd.ms-office.drawingml.",
    ]
}
