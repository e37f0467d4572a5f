import SealCore
import SealTestSupport
import Testing
@testable import SealScrub

/// Attachments are classified by their bytes and cleaned, or refused unless the source
/// explicitly allows sending them as they are.
@Suite("Attachment preparation")
final class AttachmentPreparerTests {
    let dir = TemporaryDirectory()

    @Test("content type comes from the bytes, not the name")
    func contentType() {
        #expect(ContentType.detect([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ContentType.detect(Array("hello\n".utf8)) == .text)
        #expect(ContentType.detect(Array("안녕".utf8).dropLast()) == .text)
        #expect(ContentType.detect([0, 1, 2, 3]) == .unknown)
    }

    @Test("a file that starts as text but carries binary later is not passed as text")
    func textPrefixThenBinary() throws {
        let path = try dir.write(Array(String(repeating: "a", count: 100_000).utf8) + [0xFF, 0xD8, 0xFF, 0x00], to: "poly.txt")
        #expect(throws: ScrubError.self) { try AttachmentPreparer.prepare(path: path, allowUnscrubbed: false) }
        let long = Array(String(repeating: "가나다", count: 50_000).utf8)
        #expect(try !AttachmentPreparer.prepare(path: dir.write(long, to: "ko.txt"), allowUnscrubbed: false).unscrubbed)
    }

    @Test("an attachment that cannot be scrubbed is refused unless explicitly allowed")
    func unscrubbedNeedsConsent() throws {
        let path = try dir.write([0, 1, 2, 3], to: "blob.bin")
        #expect(throws: ScrubError.self) { try AttachmentPreparer.prepare(path: path, allowUnscrubbed: false) }
        #expect(try AttachmentPreparer.prepare(path: path, allowUnscrubbed: true).unscrubbed)
    }
}
