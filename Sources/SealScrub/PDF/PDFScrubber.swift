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
