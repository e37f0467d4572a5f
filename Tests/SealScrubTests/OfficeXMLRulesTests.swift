import Testing
@testable import SealScrub

/// The rules that rewrite Word and OpenDocument XML, each on a small part built here.
@Suite("Office XML rewriting rules")
struct OfficeXMLRulesTests {
    static let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    static let cex = "http://schemas.microsoft.com/office/word/2018/wordml/cex"

    static func word(_ body: String) -> [UInt8] {
        Array("<w:document xmlns:w=\"\(w)\"><w:body>\(body)</w:body></w:document>".utf8)
    }

    static func rewriteWord(_ body: String, pseudonyms: Pseudonyms = Pseudonyms()) throws -> (xml: String, findings: [String]) {
        let result = try XMLRewriter.rewrite(word(body), part: "word/document.xml",
                                             rules: OOXMLRules.rules(pseudonyms: pseudonyms, lostIDs: []))
        return (String(decoding: result.bytes, as: UTF8.self), result.findings)
    }

    static func odf(_ text: String) -> [UInt8] {
        Array(("<office:document-content xmlns:office=\"\(ODFCleaner.office)\" xmlns:text=\"\(ODFCleaner.textNS)\" "
            + "xmlns:dc=\"\(ODFCleaner.dc)\" xmlns:table=\"\(ODFCleaner.tableNS)\"><office:body><office:text>\(text)"
            + "</office:text></office:body></office:document-content>").utf8)
    }

    static func rewriteODF(_ text: String) throws -> (xml: String, findings: [String]) {
        let result = try XMLRewriter.rewrite(odf(text), part: "content.xml",
                                             rules: ODFCleaner.contentRules(pseudonyms: Pseudonyms(), package: try emptyPackage()))
        return (String(decoding: result.bytes, as: UTF8.self), result.findings)
    }

    /// An empty ZIP archive (just the end-of-directory record): no part is a link target.
    static func emptyPackage() throws -> ZIPPackage {
        try ZIPPackage(bytes: [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18), name: "empty.odt")
    }

    // MARK: Word

    @Test("revision IDs (rsid attributes) are removed from Word XML")
    func rsidAttributesRemoved() throws {
        let out = try Self.rewriteWord(#"<w:p w:rsidR="00A1B2C3" w:rsidRDefault="00D4E5F6"><w:r><w:t>text</w:t></w:r></w:p>"#)
        #expect(!out.xml.contains("rsid") && out.xml.contains("<w:t>text</w:t>"))
        #expect(out.findings == ["revision IDs (rsids)"])
    }

    @Test("a comment's date is removed and its author becomes a pseudonym")
    func commentDateRemoved() throws {
        let out = try Self.rewriteWord(#"<w:comment w:id="0" w:author="Ri Son-hui" w:initials="RSH" w:date="2024-03-06T07:00:00Z"><w:p/></w:comment>"#)
        #expect(out.xml.contains(#"w:author="Author 1""#) && out.xml.contains(#"w:initials="A""#))
        #expect(!out.xml.contains("2024") && !out.xml.contains("Ri Son-hui"))
    }

    @Test("the same author gets the same pseudonym in every part of a document")
    func pseudonymsConsistentAcrossParts() throws {
        let names = Pseudonyms()
        let first = try Self.rewriteWord(#"<w:comment w:author="Kim"/><w:comment w:author="Pak"/>"#, pseudonyms: names)
        let second = try Self.rewriteWord(#"<w:comment w:author="Pak"/>"#, pseudonyms: names)
        #expect(first.xml.contains(#"w:author="Author 1""#) && first.xml.contains(#"w:author="Author 2""#))
        #expect(second.xml.contains(#"w:author="Author 2""#) && !second.xml.contains("Author 1"))
    }

    @Test("a comment's UTC date in commentsExtensible is removed and its durable ID kept")
    func commentUTCDateRemoved() throws {
        let part = Array(#"<w16cex:commentsExtensible xmlns:w16cex="\#(Self.cex)"><w16cex:commentExtensible w16cex:durableId="3A1B" w16cex:dateUtc="2024-03-06T07:00:00Z"/></w16cex:commentsExtensible>"#.utf8)
        let result = try XMLRewriter.rewrite(part, part: "word/commentsExtensible.xml",
                                             rules: OOXMLRules.rules(pseudonyms: Pseudonyms(), lostIDs: []))
        let xml = String(decoding: result.bytes, as: UTF8.self)
        #expect(xml.contains(#"w16cex:durableId="3A1B""#) && !xml.contains("dateUtc"))
        #expect(result.findings == [OOXMLRules.dates])
    }

    @Test("a tracked insertion stays as plain text without its author or date")
    func trackedInsertionAccepted() throws {
        let out = try Self.rewriteWord(#"<w:p><w:ins w:id="1" w:author="Pak" w:date="2024-03-01T10:00:00Z"><w:r><w:t>new</w:t></w:r></w:ins></w:p>"#)
        #expect(out.xml.contains("<w:p><w:r><w:t>new</w:t></w:r></w:p>"))
        #expect(!out.xml.contains("w:ins") && !out.xml.contains("Pak") && out.findings == [OOXMLRules.trackedChanges])
    }

    @Test("a tracked deletion goes with the text it deleted")
    func trackedDeletionAccepted() throws {
        let out = try Self.rewriteWord(#"<w:p><w:r><w:t>kept</w:t></w:r><w:del w:id="2" w:author="Kim" w:date="2024-03-02T11:00:00Z"><w:r><w:delText>old</w:delText></w:r></w:del></w:p>"#)
        #expect(out.xml.contains("<w:p><w:r><w:t>kept</w:t></w:r></w:p>"))
        #expect(!out.xml.contains("old") && !out.xml.contains("Kim"))
    }

    @Test("earlier formatting recorded by a change goes and the current formatting stays")
    func formattingChangeAccepted() throws {
        let out = try Self.rewriteWord(#"<w:p><w:pPr><w:jc w:val="center"/><w:pPrChange w:id="3" w:author="Kim"><w:pPr><w:jc w:val="left"/></w:pPr></w:pPrChange></w:pPr><w:r><w:rPr><w:b/><w:rPrChange w:id="4" w:author="Kim"><w:rPr/></w:rPrChange></w:rPr><w:t>x</w:t></w:r></w:p>"#)
        #expect(out.xml.contains(#"<w:pPr><w:jc w:val="center"/></w:pPr>"#) && out.xml.contains("<w:rPr><w:b/></w:rPr>"))
        #expect(!out.xml.contains("Change") && !out.xml.contains("left"))
    }

    @Test("moved text stays only where it was moved to")
    func moveAccepted() throws {
        let out = try Self.rewriteWord(#"<w:p><w:moveFromRangeStart w:id="5" w:name="m"/><w:moveFrom w:id="6"><w:r><w:t>moved</w:t></w:r></w:moveFrom><w:moveFromRangeEnd w:id="5"/></w:p><w:p><w:moveToRangeStart w:id="7" w:name="m"/><w:moveTo w:id="8"><w:r><w:t>moved</w:t></w:r></w:moveTo><w:moveToRangeEnd w:id="7"/></w:p>"#)
        #expect(out.xml.contains("<w:p/><w:p><w:r><w:t>moved</w:t></w:r></w:p>"))
    }

    @Test("a deleted paragraph mark goes, and the paragraph's text with it")
    func deletedParagraphMark() throws {
        let out = try Self.rewriteWord(#"<w:p><w:pPr><w:rPr><w:del w:id="9" w:author="Kim"/></w:rPr></w:pPr><w:del w:id="10" w:author="Kim"><w:r><w:delText>gone</w:delText></w:r></w:del></w:p>"#)
        #expect(out.xml.contains("<w:p><w:pPr><w:rPr/></w:pPr></w:p>"))
    }

    @Test("a DOCTYPE that declares entities is refused")
    func entityDeclarationsRefused() {
        let bomb = Array(#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>"#.utf8)
        #expect(throws: DocumentError.self) {
            try XMLRewriter.rewrite(bomb, part: "word/document.xml", rules: XMLRules())
        }
    }

    @Test("a part cut off before its root element closes is refused")
    func truncatedPartRefused() {
        #expect(throws: DocumentError.self) {
            try XMLRewriter.rewrite(Array(Self.word("<w:p/>").dropLast(12)), part: "word/document.xml", rules: XMLRules())
        }
    }

    @Test("a shared workbook's change log and user list are left out of the package")
    func sharedWorkbookLogDropped() throws {
        let cleaner = OOXMLCleaner(try DocumentCleaning(package: Self.emptyPackage(), writing: false, depth: 0))
        let family = "application/vnd.openxmlformats-officedocument.spreadsheetml."
        for (part, type) in [("xl/revisions/revisionHeaders.xml", "revisionHeaders+xml"), ("xl/revisions/revisionLog1.xml", "revisionLog+xml"),
                             ("xl/revisions/userNames.xml", "userNames+xml")] {
            #expect(try cleaner.classify(part, contentType: family + type) == .drop("revision history"), "\(part)")
        }
        #expect(try cleaner.classify("xl/worksheets/sheet1.xml", contentType: family + "worksheet+xml") == .rewrite(excelNotes: false))
    }

    // MARK: OpenDocument

    @Test("an OpenDocument annotation's creator becomes a pseudonym and its date neutral")
    func odfAnnotationCreator() throws {
        let out = try Self.rewriteODF("<text:p><office:annotation><dc:creator>Ri Son-hui</dc:creator><dc:date>2024-03-06T07:00:00</dc:date><text:p>note</text:p></office:annotation></text:p>")
        #expect(out.xml.contains("<dc:creator>Author 1</dc:creator>") && out.xml.contains("<dc:date>2000-01-01T00:00:00</dc:date>"))
        #expect(out.xml.contains("<text:p>note</text:p>") && !out.xml.contains("Ri Son-hui"))
    }

    @Test("the OpenDocument change log and its markers go, and the text as it reads now stays")
    func odfTrackedChangesAccepted() throws {
        let out = try Self.rewriteODF(#"<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info><dc:creator>Kim</dc:creator><dc:date>2024-03-02T11:00:00</dc:date></office:change-info><text:p>old</text:p></text:deletion></text:changed-region></text:tracked-changes><text:p>kept<text:change text:change-id="c1"/> <text:change-start text:change-id="c2"/>new<text:change-end text:change-id="c2"/></text:p>"#)
        #expect(out.xml.contains("<text:p>kept new</text:p>"))
        #expect(!out.xml.contains("old") && !out.xml.contains("Kim") && !out.xml.contains("change"))
        #expect(out.findings == [OOXMLRules.trackedChanges])
    }

    @Test("a spreadsheet's change log goes too")
    func odfSpreadsheetTrackedChanges() throws {
        let out = try Self.rewriteODF(#"<table:tracked-changes><table:cell-content-change table:id="ct1"><office:change-info><dc:creator>Kim</dc:creator></office:change-info></table:cell-content-change></table:tracked-changes><text:p>cell</text:p>"#)
        #expect(!out.xml.contains("tracked-changes") && !out.xml.contains("Kim") && out.xml.contains("<text:p>cell</text:p>"))
    }

    @Test("an OpenDocument field showing the author's name is removed")
    func odfAuthorFieldRemoved() throws {
        let out = try Self.rewriteODF("<text:p>By <text:author-name>Kim Chol-su</text:author-name></text:p>")
        #expect(out.xml.contains("<text:p>By </text:p>") && !out.xml.contains("Kim"))
    }
}
