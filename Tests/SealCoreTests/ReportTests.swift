import Crypto
import Foundation
import SealTestSupport
import Testing
@testable import SealCore

@Suite("Report container")
final class ReportTests {
    let dir = TemporaryDirectory()

    @Test("Padmé matches hand-computed values and stays within 12% overhead")
    func padme() {
        #expect(Padme.padded(16384) == 16384)
        #expect(Padme.padded(16385) == 17408)          // E=14, S=4, mask 2^10-1
        #expect(Padme.padded(1_000_000) == 1_015_808)  // E=19, S=5, mask 2^14-1
        #expect(Padme.reportLength(unpadded: 10) == 16384)
        for n in stride(from: 16384, to: 50_000_000, by: 99_991) {
            let p = Padme.padded(n)
            #expect(p >= n && Double(p - n) <= 0.12 * Double(n))
            #expect(Padme.padded(p) == p)
        }
    }

    func writeText(_ name: String, _ text: String) throws -> SealCore.Attachment {
        let path = try dir.write(Array(text.utf8), to: name)
        return SealCore.Attachment(path: path, name: name, type: "text/plain", removed: [], unscrubbed: false)
    }

    /// An attachment as `seal` hands it to the report writer (cleaning is SealScrub's job).
    func attachment(_ path: String, unscrubbed: Bool) -> SealCore.Attachment {
        SealCore.Attachment(path: path, name: (path as NSString).lastPathComponent, type: "application/octet-stream",
                            removed: [], unscrubbed: unscrubbed)
    }

    func seal(_ writer: inout ReportWriter, to identity: ReviewerIdentity) throws -> String {
        let path = dir.file("r-\(UUID().uuidString).seal")
        let out = try AtomicFile(path: path)
        try writer.seal(to: [EnvelopeRecipient(reviewer: identity.publicKey)], suite: .x25519,
                        bundleID: String(repeating: "0", count: 64), into: out)
        try out.commit()
        return path
    }

    @Test("a report opens into message, manifest and attachments with their hashes checked")
    func roundTrip() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        var writer = try ReportWriter(kind: .report, message: "말해 주세요", attachments: [writeText("note.txt", "hello")],
                                      reply: nil, thread: Base64URL.encode([UInt8](repeating: 1, count: 16)))
        #expect(writer.length == 16384)
        let path = try seal(&writer, to: alice)
        let opened = try ReportOpener.open(envelope: path, key: alice, into: dir.file("out"))
        #expect(try String(contentsOfFile: "\(opened.folder)/message.txt", encoding: .utf8) == "말해 주세요")
        #expect(try String(contentsOfFile: "\(opened.folder)/attachments/note.txt", encoding: .utf8) == "hello")
        #expect(opened.manifest.files.first?.sha256 == Hex.encode(SHA256.hash(data: Array("hello".utf8))))
        let again = try ReportOpener.open(envelope: path, key: alice, into: dir.file("out"))
        #expect(again.alreadyOpened && again.folder == opened.folder)
    }

    @Test("a manifest longer than a chunk, several attachments and an empty one all open intact")
    func manifestSpansChunks() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let big = try dir.write(TestKeys.pattern(200_003), to: "big.bin")
        let empty = try dir.write([], to: "empty.txt")
        let attachments = try [
            attachment(big, unscrubbed: true),
            attachment(empty, unscrubbed: false),
            writeText("note.txt", "third"),
        ]
        let message = String(repeating: "증언 ", count: 30_000)
        var writer = try ReportWriter(kind: .report, message: message, attachments: attachments, reply: nil, thread: nil)
        let path = try seal(&writer, to: alice)
        #expect(writer.manifest.files.allSatisfy { $0.sha256 != ReportWriter.placeholder })
        let opened = try ReportOpener.open(envelope: path, key: alice, into: dir.file("span"))
        #expect(try String(contentsOfFile: "\(opened.folder)/message.txt", encoding: .utf8) == message)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: "\(opened.folder)/attachments/big.bin"))) == TestKeys.pattern(200_003))
        #expect(opened.manifest.files.map(\.size) == [200_003, 0, 5])
    }

    @Test("an attachment that changes between planning and sealing is refused")
    func attachmentChangedWhileSealing() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let path = try dir.write(TestKeys.pattern(100_000), to: "grows.bin")
        var writer = try ReportWriter(kind: .report, message: "m",
                                      attachments: [attachment(path, unscrubbed: true)],
                                      reply: nil, thread: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([1, 2, 3]))
        try handle.close()
        #expect(throws: ReportError.fileChanged(path)) { _ = try self.seal(&writer, to: alice) }
        #expect(!dir.contents().contains { $0.hasSuffix(".seal") }, "no envelope left behind")
    }

    /// Builds a report plaintext by hand so the manifest can lie.
    func handmade(manifest: Manifest, body: [UInt8], paddedTo length: Int? = nil, pad: UInt8 = 0) throws -> [UInt8] {
        let m = try manifest.encoded()
        var plain = EnvelopeWriter.u32(m.count) + m + body
        let target = length ?? Padme.reportLength(unpadded: plain.count)
        plain += [UInt8](repeating: pad, count: max(0, target - plain.count))
        return plain
    }

    func manifest(size: Int, sha: [UInt8]) -> Manifest {
        Manifest(kind: .report, message: "m", files: [.init(name: "f.txt", type: "text/plain", size: size, sha256: Hex.encode(sha))],
                 scrubbed: [], unscrubbed: nil, reply: nil, thread: nil, client: Manifest.cliClient)
    }

    func openHandmade(_ plaintext: [UInt8]) throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let path = dir.file("h-\(UUID().uuidString).seal")
        try EnvelopeRoundTrip.seal(plaintext, to: [alice.publicKey], suite: .x25519, at: path)
        _ = try ReportOpener.open(envelope: path, key: alice, into: dir.file("hand"))
    }

    @Test("a manifest that claims more bytes than the report holds is refused, leaving nothing")
    func manifestLiesAboutSize() throws {
        let body = Array("abc".utf8)
        // Declares 20000 bytes but the plaintext (padded to 16 KiB) cannot hold them all.
        let plain = try handmade(manifest: manifest(size: 20000, sha: Array(SHA256.hash(data: body))), body: body, paddedTo: 16384)
        #expect(throws: ReportError.self) { try self.openHandmade(plain) }
        #expect(!dir.contents().contains { $0.hasPrefix("hand/thread-") })
        #expect(!dir.contents().contains { $0.contains(".opening-") })
    }

    @Test("an attachment whose bytes do not match its hash is refused")
    func hashMismatch() throws {
        let body = Array("abc".utf8)
        let plain = try handmade(manifest: manifest(size: 3, sha: Array(SHA256.hash(data: Array("abd".utf8)))), body: body)
        #expect(throws: ReportError.hashMismatch("f.txt")) { try self.openHandmade(plain) }
    }

    @Test("padding that is not all zeros is refused")
    func nonZeroPadding() throws {
        let body = Array("abc".utf8)
        let plain = try handmade(manifest: manifest(size: 3, sha: Array(SHA256.hash(data: body))), body: body, pad: 1)
        #expect(throws: ReportError.nonZeroPadding) { try self.openHandmade(plain) }
    }

    @Test("a report padded to the wrong length is refused")
    func wrongPadding() throws {
        let body = Array("abc".utf8)
        let plain = try handmade(manifest: manifest(size: 3, sha: Array(SHA256.hash(data: body))), body: body, paddedTo: 20000)
        #expect(throws: ReportError.wrongPaddedLength(expected: 16384, got: 20000)) { try self.openHandmade(plain) }
    }

    @Test("hostile attachment names cannot escape or collide", arguments: [
        ("../../etc/passwd", "passwd"), (".bashrc", "bashrc"), ("a\u{0}b\u{202E}.txt", "ab.txt"), ("", "attachment"),
        ("..", "attachment"), ("C:\\Users\\x\\evil.doc", "evil.doc"),
    ])
    func sanitise(name: String, expected: String) {
        #expect(AttachmentName.sanitise(name, taken: []) == expected)
    }

    @Test("a second attachment with a taken name gets a numbered one")
    func duplicateNames() {
        #expect(AttachmentName.sanitise("photo.jpg", taken: ["photo.jpg"]) == "photo (2).jpg")
        #expect(AttachmentName.sanitise("Photo.JPG", taken: ["photo.jpg", "photo (2).jpg"]) == "Photo (3).JPG")
    }
}

@Suite("Base64url")
struct Base64URLTests {
    @Test("round trips and refuses padding, the standard alphabet and non-canonical bits")
    func strict() {
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("-_8=") == nil)
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("-_9") == nil)
        #expect(Base64URL.decode("A") == nil)
    }

    @Test("agrees with Foundation's base64 on random inputs of every length up to 200")
    func agreesWithFoundation() {
        for length in 0...200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let standard = Data(bytes).base64EncodedString()
            let expected = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected)
            #expect(Base64URL.decode(expected) == bytes)
            #expect(Base64URL.decode(expected, count: length) == bytes)
        }
    }
}
