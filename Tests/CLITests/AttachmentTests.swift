import Foundation
import Testing

/// SECURITY.md: a file the client cannot scrub is refused unless the source explicitly allows
/// it, and the manifest says so; §8: long work stays quiet when stderr is not a terminal.
@Suite("seal encrypt attachments")
final class AttachmentTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    /// Bytes no scrubber knows: starts with no known magic and is not text.
    static let binary = Data([0x00, 0x13, 0x37, 0xFE, 0xFF] + (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 7) })

    @Test func attachmentOfUnknownBinaryTypeIsRefused() throws {
        let org = try seal.makeWorld()
        try seal.write("evidence.bin", Self.binary)
        let result = try seal.encrypt(org, out: "r.seal", ["--message", "see attached", "--attach", "evidence.bin"])
        expectUserError(result, mentioning: ["evidence.bin", "--allow-unscrubbed"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func refusedAttachmentLeavesNoNewCodenameBehind() throws {
        let org = try seal.makeWorld()
        try seal.write("evidence.bin", Self.binary)
        let result = try seal.encrypt(org, out: "r.seal", ["--attach", "evidence.bin", "--codename-file", "codename.txt"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("seal: cannot remove metadata from evidence.bin"), "\(result)")
        seal.expectNoEnvelope("r.seal")
        expectUserError(result, mentioning: ["evidence.bin"])
        #expect(!seal.exists("codename.txt"))
    }

    @Test func renamedBinaryIsNotTrustedAsTextByItsName() throws {
        let org = try seal.makeWorld()
        try seal.write("harmless.txt", Self.binary)
        let result = try seal.encrypt(org, out: "r.seal", ["--attach", "harmless.txt"])
        expectUserError(result, mentioning: ["harmless.txt", "--allow-unscrubbed"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func allowUnscrubbedSendsTheFileAndTheManifestAndOpenSayWhich() throws {
        let org = try seal.makeWorld()
        try seal.write("evidence.bin", Self.binary)
        try seal.write("note.txt", "plain text needs no permission\n")
        let encrypted = try seal.encrypt(org, out: "r.seal", [
            "--message", "see attached", "--attach", "note.txt", "--attach", "evidence.bin",
            "--allow-unscrubbed", "evidence.bin",
        ])
        #expect(encrypted.status == 0, "\(encrypted)")
        #expect(encrypted.stderr.contains("evidence.bin"), "the source is reminded:\n\(encrypted)")
        #expect(!encrypted.stderr.contains("note.txt"), "\(encrypted)")

        let opened = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        #expect(opened.stderrLines.count == 1, "\(opened)")
        #expect(opened.stderr.hasPrefix("warning: "), "\(opened)")
        #expect(opened.stderr.contains("evidence.bin"), "the reviewer is warned:\n\(opened)")

        let folder = try #require(seal.reportFolders(in: "out").first)
        #expect(try seal.read("\(folder)/attachments/evidence.bin") == Self.binary)
        #expect(try seal.read("\(folder)/attachments/note.txt") == (try seal.read("note.txt")))
        let manifest = try seal.json("\(folder)/manifest.json")
        #expect(manifest["unscrubbed"] as? [String] == ["evidence.bin"])
        let names = (manifest["files"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["note.txt", "evidence.bin"])
    }

    @Test func attachmentThatDoesNotExistIsAUserError() throws {
        let org = try seal.makeWorld()
        let result = try seal.encrypt(org, out: "r.seal", ["--message", "hi", "--attach", "missing.jpg"])
        expectUserError(result, mentioning: ["missing.jpg"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func messageFileIsSentVerbatim() throws {
        let org = try seal.makeWorld()
        let message = "First line.\n\nThird line, with trailing spaces   \n"
        try seal.write("message.txt", message)
        #expect(try seal.encrypt(org, out: "r.seal", ["--message-file", "message.txt"]).status == 0)
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        let folder = try #require(seal.reportFolders(in: "out").first)
        #expect(try seal.text("\(folder)/message.txt") == message)
        #expect(seal.tree("\(folder)/attachments").isEmpty)
    }

    @Test func existingOutputIsNotOverwritten() throws {
        let org = try seal.makeWorld()
        try seal.write("r.seal", "an earlier envelope\n")
        let result = try seal.encrypt(org, out: "r.seal", ["--message", "hi"])
        expectUserError(result, mentioning: ["r.seal", "already exists"])
        #expect(try seal.text("r.seal") == "an earlier envelope\n")
    }
}
