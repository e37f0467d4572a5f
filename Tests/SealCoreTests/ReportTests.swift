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

    @Test("a report of several megabytes, written behind by another thread and read 1 MiB at a time, opens byte for byte under the id of the envelope's bytes")
    func severalMegabytes() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        // Past several write batches and read blocks, ending mid-chunk; a manifest longer
        // than a chunk, so the head is written last, behind the rest.
        let size = 5 << 20 + 777
        let big = try dir.write(TestKeys.pattern(size), to: "big.bin")
        var writer = try ReportWriter(kind: .report, message: String(repeating: "증언 ", count: 30_000),
                                      attachments: [attachment(big, unscrubbed: true)], reply: nil, thread: nil)
        let path = try seal(&writer, to: alice)
        let opened = try ReportOpener.open(envelope: path, key: alice, into: dir.file("big"))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: "\(opened.folder)/attachments/big.bin"))) == TestKeys.pattern(size))
        #expect(opened.envelope == (try EnvelopeID.of(file: path)))
        let again = try ReportOpener.open(envelope: path, key: alice, into: dir.file("big"))
        #expect(again.alreadyOpened && again.envelope == opened.envelope)
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
        var plain = BigEndianReader.bytes(of: m.count, width: 4) + m + body
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
        #expect(AttachmentName.savedNames(for: [name]) == [expected])
    }

    @Test("a second attachment with a taken name gets a numbered one")
    func duplicateNames() {
        #expect(AttachmentName.savedNames(for: ["photo.jpg", "photo.jpg", "Photo.JPG"])
                == ["photo.jpg", "photo (2).jpg", "Photo (3).JPG"])
    }

    @Test("names that differ only in case or Unicode normalisation are saved apart")
    func caseAndNormalisationClash() {
        let saved = AttachmentName.savedNames(for: ["caf\u{00E9}.txt", "cafe\u{0301}.txt", "CAF\u{00C9}.TXT"])
        #expect(saved == ["caf\u{00E9}.txt", "caf\u{00E9} (2).txt", "CAF\u{00C9} (3).TXT"])
    }

    @Test("a sender cannot name a file like the warning seal open writes beside an attachment")
    func warningNameIsReserved() {
        let saved = AttachmentName.savedNames(for: ["x.jpg", "x.jpg.warning.TXT"])
        #expect(saved == ["x.jpg", "x.jpg.WARNING (sent by the source).txt"])
    }

    @Test("numbering a name that numbered names already take stays linear and never reuses one")
    func numberingIsLinear() {
        let names = ["a (2).txt", "a (3).txt"] + Array(repeating: "a.txt", count: 100_000)
        let started = Date()
        let saved = AttachmentName.savedNames(for: names)
        let elapsed = Date().timeIntervalSince(started)
        #expect(Set(saved.map { $0.lowercased() }).count == saved.count)
        #expect(saved[2] == "a.txt" && saved[3] == "a (4).txt" && saved.last == "a (100002).txt")
        #expect(elapsed < 10, "100,000 duplicate names took \(elapsed) s")
    }

    @Test("every saved name fits NAME_MAX with its number, warning suffix and temporary name")
    func savedNamesFit() {
        let long = String(repeating: "\u{C99D}", count: 300) + ".WARNING.txt"
        for name in AttachmentName.savedNames(for: Array(repeating: long, count: 3)) {
            #expect(name.utf8.count + " (10000)".utf8.count + AttachmentName.warningSuffix.utf8.count + 22 <= 255)
        }
    }

    func emptyFiles(_ count: Int) -> Manifest {
        let empty = Hex.encode(SHA256.hash(data: [UInt8]()))
        return Manifest(kind: .report, message: "m",
                        files: (0..<count).map { .init(name: "e\($0 % 7).txt", type: "text/plain", size: 0, sha256: empty) },
                        scrubbed: [], unscrubbed: nil, reply: nil, thread: nil, client: Manifest.cliClient)
    }

    @Test("10,000 empty attachments open on a small stack: the reader is iterative")
    func manyEmptyFilesOpen() throws {
        let plain = try handmade(manifest: emptyFiles(Manifest.maxFiles), body: [])
        let alice = try TestKeys.identity("alice", seed: 1)
        let path = dir.file("empty.seal")
        try EnvelopeRoundTrip.seal(plain, to: [alice.publicKey], suite: .x25519, at: path)
        let out = dir.file("empty")
        let result = OnSmallStack.run(bytes: 256 << 10) {
            try ReportOpener.open(envelope: path, key: alice, into: out).folder
        }
        let folder = try result.get()
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(folder)/attachments").count == Manifest.maxFiles)
    }

    @Test("a manifest listing more than 10,000 files is refused before any file is written")
    func tooManyFilesRefusedByReader() throws {
        let plain = try handmade(manifest: emptyFiles(Manifest.maxFiles + 1), body: [])
        #expect(throws: ReportError.tooManyFiles(Manifest.maxFiles + 1)) { try self.openHandmade(plain) }
        #expect(!dir.contents().contains { $0.hasPrefix("hand/thread-") || $0.contains(".opening-") })
    }

    @Test("the writer refuses more than 10,000 attachments with the same error")
    func tooManyFilesRefusedByWriter() throws {
        let one = try writeText("one.txt", "x")
        #expect(throws: ReportError.tooManyFiles(Manifest.maxFiles + 1)) {
            _ = try ReportWriter(kind: .report, message: "m", attachments: Array(repeating: one, count: Manifest.maxFiles + 1),
                                 reply: nil, thread: nil)
        }
        #expect(ReportError.tooManyFiles(10_001).description == "a report holds at most 10000 files; this one lists 10001")
    }

    @Test("an error naming an attachment shows the name without control or bidi characters")
    func errorNamesAreClean() {
        #expect(ReportError.hashMismatch("a\u{1B}[2J\u{202E}b").description
                == "attachment a\u{FFFD}[2J\u{FFFD}b does not match its SHA-256 in the manifest")
    }
}

/// Runs work on a thread with a small stack, so a test sees a recursion as a crash rather
/// than as a pass on the main thread's large stack.
enum OnSmallStack {
    static func run<T: Sendable>(bytes: Int, _ work: @escaping @Sendable () throws -> T) -> Result<T, any Error> {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result { try work() }
            done.signal()
        }
        thread.stackSize = bytes
        thread.start()
        done.wait()
        return box.result ?? .failure(CancellationError())
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
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
