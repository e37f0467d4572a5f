import Foundation
import SealCore

/// What identifies people inside Office XML, and what replaces it. Names are matched by
/// namespace, in both the transitional and the strict flavour of the standard.
enum OOXMLRules {
    static let w: [String] = ["http://schemas.openxmlformats.org/wordprocessingml/2006/main", "http://purl.oclc.org/ooxml/wordprocessingml/main"]
    static let x: [String] = ["http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"]
    static let p: [String] = ["http://schemas.openxmlformats.org/presentationml/2006/main", "http://purl.oclc.org/ooxml/presentationml/main"]
    static let r: [String] = ["http://schemas.openxmlformats.org/officeDocument/2006/relationships", "http://purl.oclc.org/ooxml/officeDocument/relationships"]
    static let wordDocIDs: [String] = ["http://schemas.microsoft.com/office/word/2010/wordml", "http://schemas.microsoft.com/office/word/2012/wordml"]
    static let utcDates: [String] = ["http://schemas.microsoft.com/office/word/2018/wordml/cex", "http://schemas.microsoft.com/office/word/2023/wordml/word16du"]
    static let absPath = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"
    static let revision = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
    static let threaded = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
    static let modernPowerPoint = "http://schemas.microsoft.com/office/powerpoint/2018/8/main"

    static let authors = "names of comment authors (now Author 1, Author 2, …)"
    static let dates = "dates of comments"
    /// Shared with the OpenDocument rules: the same thing, said the same way.
    static let trackedChanges = "tracked changes (accepted: deleted text, earlier wording, editors and edit dates removed)"

    /// Tracked changes are accepted, so the document reads as it reads now: each edit's
    /// author and date, and the text it deleted, would otherwise travel with the report.
    /// Markup that holds what was removed or the formatting before a change goes whole.
    static let trackedChangeRecords: Set<String> = [
        "del", "moveFrom", "delText", "delInstrText",
        "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "tblPrExChange", "tblGridChange",
        "trPrChange", "tcPrChange", "numberingChange", "cellIns", "cellDel", "cellMerge",
        "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
        "customXmlInsRangeStart", "customXmlInsRangeEnd", "customXmlDelRangeStart", "customXmlDelRangeEnd",
        "customXmlMoveFromRangeStart", "customXmlMoveFromRangeEnd", "customXmlMoveToRangeStart", "customXmlMoveToRangeEnd",
    ]
    /// Markup around what was inserted or moved here: the text stays, the wrapper goes.
    static let trackedChangeWrappers: Set<String> = ["ins", "moveTo"]
    static let accounts = "account IDs of comment authors"

    /// The rules for every content part. `lostIDs` are relationship ids of this part that
    /// point at removed parts: elements using them go too.
    /// - Parameter excelNotes: the part is an Excel comments part, whose notes begin with
    ///   their author's name.
    static func rules(pseudonyms: Pseudonyms, lostIDs: Set<String>, excelNotes: Bool = false) -> XMLRules {
        XMLRules(
            dropElement: { name, attributes in
                if w.contains(name.namespace) {
                    switch name.local {
                    case "rsids", "rsid": return "revision IDs (rsids)"
                    case "attachedTemplate": return "the template's path on the author's computer"
                    case "mailMerge": return "mail-merge data source"
                    case "docVars": return "document variables"
                    default: break
                    }
                    if trackedChangeRecords.contains(name.local) { return trackedChanges }
                }
                if wordDocIDs.contains(name.namespace), name.local == "docId" { return "document ID" }
                if name == XMLName(absPath, "absPath") { return "the folder the file was saved in (absPath)" }
                if name == XMLName(revision, "revisionPtr") { return "revision ID" }
                if x.contains(name.namespace), name.local == "fileSharing" { return "name of the person who saved it (file sharing)" }
                if !lostIDs.isEmpty, name.local != "pageSetup",
                   attributes.contains(where: { r.contains($0.key.namespace) && lostIDs.contains($0.value) }) {
                    return ""
                }
                return nil
            },
            unwrapElement: { name in
                w.contains(name.namespace) && trackedChangeWrappers.contains(name.local) ? trackedChanges : nil
            },
            attribute: { element, _, name, value in
                if w.contains(name.namespace) {
                    if name.local.hasPrefix("rsid") { return .drop("revision IDs (rsids)") }
                    switch name.local {
                    case "author": return .replace(pseudonyms.name(for: value), authors)
                    case "initials": return .replace(Pseudonyms.initials, authors)
                    case "date": return .drop(dates)
                    default: break
                    }
                }
                if utcDates.contains(name.namespace), name.local == "dateUtc" { return .drop(dates) }
                if element.local == "pageSetup", r.contains(name.namespace), lostIDs.contains(value) { return .drop("") }
                if element.namespace == threaded {
                    switch (element.local, name.local) {
                    case ("person", "displayName"): return .replace(pseudonyms.name(for: value), authors)
                    case ("person", "userId"), ("person", "providerId"): return .drop(accounts)
                    case ("threadedComment", "dT"): return .drop(dates)
                    default: break
                    }
                }
                if p.contains(element.namespace) {
                    switch (element.local, name.local) {
                    case ("cmAuthor", "name"): return .replace(pseudonyms.name(for: value), authors)
                    case ("cmAuthor", "initials"): return .replace(Pseudonyms.initials, authors)
                    case ("cm", "dt"): return .drop(dates)
                    default: break
                    }
                }
                if element.namespace == modernPowerPoint {
                    switch (element.local, name.local) {
                    case ("author", "name"): return .replace(pseudonyms.name(for: value), authors)
                    case ("author", "initials"): return .replace(Pseudonyms.initials, authors)
                    case ("author", "userId"): return .replace(pseudonyms.name(for: value), accounts)
                    case ("author", "providerId"): return .replace("None", accounts)
                    case ("cm", "created"), ("reply", "created"): return .replace("2000-01-01T00:00:00.000", dates)
                    default: break
                    }
                }
                // Word 2007-2010 stored the inserted picture's full path as its description.
                if ["docPr", "cNvPr"].contains(element.local), ["descr", "name", "title"].contains(name.local),
                   name.namespace.isEmpty, LocalPath.isLocal(value) {
                    return .replace(LocalPath.basename(value), "file paths of inserted pictures")
                }
                return .keep
            },
            replaceText: { name, text in
                // Legacy Excel comments list their authors as text.
                guard x.contains(name.namespace) else { return nil }
                if name.local == "author" { return (pseudonyms.name(for: text), authors) }
                if excelNotes, name.local == "t" { return (pseudonyms.replacingLeadingAuthor(in: text), authors) }
                return nil
            })
    }

    static let coreWords: [String: String] = [
        "creator": "author name", "lastModifiedBy": "name of the last editor",
        "created": "creation and modification dates", "modified": "creation and modification dates",
        "lastPrinted": "date last printed", "revision": "revision number",
        "title": "title, subject and keywords", "subject": "title, subject and keywords",
        "keywords": "title, subject and keywords", "description": "title, subject and keywords",
        "category": "title, subject and keywords", "contentStatus": "title, subject and keywords",
        "identifier": "document ID", "language": "language", "version": "version",
    ]

    static let appWords: [String: String] = [
        "Company": "company name", "Manager": "manager name", "Template": "template name",
        "TotalTime": "total editing time", "Application": "software name and version",
        "AppVersion": "software name and version", "HyperlinkBase": "link base path",
    ]

    /// Surveys only: each property with a value is named once.
    static var coreProperties: XMLRules { XMLRules(replaceText: { name, _ in coreWords[name.local].map { ("", $0) } }) }
    static var appProperties: XMLRules { XMLRules(replaceText: { name, _ in appWords[name.local].map { ("", $0) } }) }

    static let neutralCore = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r
        <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
        xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
        xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>
        """

    static let neutralApp = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r
        <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
        xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>
        """
}
