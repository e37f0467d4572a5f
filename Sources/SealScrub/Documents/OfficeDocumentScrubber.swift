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
