import Foundation
@testable import SealCore
import Testing

/// SECURITY.md: a sender may be hostile to the reviewer. Nothing a sender chose may run in
/// the reviewer's shell, act on their terminal, or make `seal open` crash or stall.
@Suite("seal open on hostile reports")
final class HostileReportTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    /// Bytes no scrubber knows, so `seal open` writes a warning beside them.
    static let binary = Data([0x00, 0x13, 0x37, 0xFE, 0xFF] + (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    static let escape = "\u{1B}]0;owned\u{07}\u{1B}[2J"
    static let c1AndBidi = "\u{9B}31m\u{202E}gpj.exe\u{2066}\u{7F}"

    /// Seals a report plaintext built by hand (so its manifest can say anything) to
    /// keys/alice.pub, as `r.seal`.
    func sealHandmade(files: [Manifest.File], body: [UInt8] = [], message: String = "m") throws {
        let manifest = Manifest(kind: .report, message: message, files: files, scrubbed: [], unscrubbed: nil,
                                reply: nil, thread: nil, client: Manifest.cliClient)
        let encoded = try manifest.encoded()
        var plain = [UInt8(encoded.count >> 24 & 0xFF), UInt8(encoded.count >> 16 & 0xFF),
                     UInt8(encoded.count >> 8 & 0xFF), UInt8(encoded.count & 0xFF)] + encoded + body
        plain += [UInt8](repeating: 0, count: Padme.reportLength(unpadded: plain.count) - plain.count)
        var source = BytesSource(plain)
        let out = try AtomicFile(path: seal.path("r.seal"))
        let alice = try ReviewerPublicKey.read(path: seal.path("keys/alice.pub"))
        try EnvelopeWriter.seal(&source, length: plain.count, to: [EnvelopeRecipient(reviewer: alice)], suite: .x25519,
                                bundleID: String(repeating: "0", count: 64), into: out)
        try out.commit()
    }

    static func emptyFile(_ name: String) -> Manifest.File {
        Manifest.File(name: name, type: "text/plain", size: 0, sha256: Hex.encode(Array(SHA256Empty.digest)))
    }

    @Test("the suggested scrub command never runs a command hidden in the attachment's name")
    func warningCommandIsNotInjectable() throws {
        let org = try seal.makeWorld()
        let hostile = "x'; touch pwned; echo '.bin"
        try seal.write(hostile, Self.binary)
        try seal.ok(["encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint, "--message", "m",
                     "--attach", hostile, "--allow-unscrubbed", hostile, "--out", "r.seal"])
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        let folder = try #require(seal.reportFolders(in: "out").first)
        let attachments = "\(folder)/attachments"
        let warnings = seal.list(attachments).filter { $0.hasSuffix(".WARNING.txt") }
        try #require(warnings.count == 1, "\(seal.list(attachments))")
        let commands = try seal.text("\(attachments)/\(warnings[0])").split(separator: "\n")
            .filter { $0.contains("seal ") }
        #expect(!commands.isEmpty)
        for command in commands {
            #expect(!command.contains("pwned"), "sender text in a command: \(command)")
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", String(command)]
            shell.currentDirectoryURL = URL(fileURLWithPath: seal.path(attachments))
            shell.environment = ["PATH": "/usr/bin:/bin"]
            shell.standardOutput = FileHandle.nullDevice
            shell.standardError = FileHandle.nullDevice
            try shell.run()
            shell.waitUntilExit()
        }
        #expect(!seal.exists("\(attachments)/pwned"), "pasting the suggestion ran the sender's command")
    }

    @Test("message.txt and manifest.json hold nothing a terminal acts on, and manifest.json keeps the exact message")
    func openedTextIsSafeToPrint() throws {
        let org = try seal.makeWorld()
        let message = "first\(Self.escape) line\r\nsecond \(Self.c1AndBidi)\u{2028}third\rover"
        try seal.write("message.txt", message)
        try seal.ok(["encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint,
                     "--message-file", "message.txt", "--out", "r.seal"])
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        let folder = try #require(seal.reportFolders(in: "out").first)
        for file in ["message.txt", "manifest.json"] {
            let text = try seal.text("\(folder)/\(file)")
            let acting = text.unicodeScalars.filter { $0 != "\n" && !UntrustedTextOracle.isHarmless($0) }
            #expect(acting.isEmpty, "\(file) carries \(acting.map { String($0.value, radix: 16) })")
        }
        #expect(try seal.text("\(folder)/message.txt") == "first\u{FFFD}]0;owned\u{FFFD}\u{FFFD}[2J line\nsecond \u{FFFD}31m\u{FFFD}gpj.exe\u{FFFD}\u{FFFD}\nthird\u{FFFD}over")
        #expect(try seal.json("\(folder)/manifest.json")["message"] as? String == message)
    }

    @Test("an attachment name reaches the terminal without control or bidi characters, even in an error")
    func errorsNameAttachmentsSafely() throws {
        try seal.makeWorld()
        let name = "bad\(Self.escape)\(Self.c1AndBidi).txt"
        try sealHandmade(files: [Manifest.File(name: name, type: "text/plain", size: 3, sha256: String(repeating: "0", count: 64))],
                         body: Array("abc".utf8))
        let result = try seal.run("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        expectUserError(result, mentioning: ["does not match its SHA-256"])
        let acting = result.stderr.unicodeScalars.filter { $0 != "\n" && !UntrustedTextOracle.isHarmless($0) }
        #expect(acting.isEmpty, "stderr carries \(acting.map { String($0.value, radix: 16) })")
        #expect(seal.list("out").allSatisfy { $0.hasPrefix(".") == false }, "nothing left as if complete")
    }

    @Test("a report listing more than 10,000 files is refused with one clear line, not a crash")
    func tooManyFilesIsRefused() throws {
        try seal.makeWorld()
        try sealHandmade(files: (0..<20_000).map { _ in Self.emptyFile("") })
        let result = try seal.run("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        #expect(!result.crashed, "\(result)")
        expectUserError(result, mentioning: ["at most 10000 files", "20000"])
        #expect(seal.reportFolders(in: "out").isEmpty)
    }

    @Test("10,000 attachments with one name open within seconds, each under its own numbered name")
    func manyDuplicateNamesOpenQuickly() throws {
        try seal.makeWorld()
        try sealHandmade(files: (0..<10_000).map { _ in Self.emptyFile("a.txt") })
        let started = Date()
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 60, "took \(elapsed) s")
        let folder = try #require(seal.reportFolders(in: "out").first)
        let names = seal.list("\(folder)/attachments")
        #expect(names.count == 10_000)
        #expect(names.contains("a.txt") && names.contains("a (2).txt") && names.contains("a (10000).txt"))
    }

    @Test("seal fingerprint shows the name in someone else's key file without control or bidi characters")
    func fingerprintNameIsClean() throws {
        try seal.makeWorld()
        var key = try seal.json("keys/alice.pub")
        key["name"] = "alice\(Self.escape)\(Self.c1AndBidi)"
        try seal.write("hostile.pub", try JSONSerialization.data(withJSONObject: key))
        let result = try seal.ok("fingerprint", "hostile.pub")
        let acting = result.stdout.unicodeScalars.filter { $0 != "\n" && !UntrustedTextOracle.isHarmless($0) }
        #expect(acting.isEmpty, "stdout carries \(acting.map { String($0.value, radix: 16) })")
        #expect(result.stdout.contains("reviewer:    alice"))
    }
}

/// SHA-256 of nothing, written out so the tests do not lean on SealCore's hashing.
enum SHA256Empty {
    static let digest: [UInt8] = Hex.decode("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") ?? []
}

/// An independent statement of what may reach a terminal: nothing of general category Cc,
/// Cf (but the two joiners), Zl, Zp, Co or Cn.
enum UntrustedTextOracle {
    static func isHarmless(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate: return false
        case .format: return scalar == "\u{200C}" || scalar == "\u{200D}"
        default: return true
        }
    }
}
