import Foundation
import Testing

/// README.md: `seal encrypt` offline to every reviewer of a bundle, `seal open` on the
/// air-gapped machine into `OUT/thread-<id>/report-<id>/{message.txt,manifest.json,attachments/}`.
@Suite("seal encrypt and seal open round trip")
final class RoundTripTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    static let message = "Our passports were taken on arrival.\nLine two: ünïcödé, 한국어, 中文."
    static let attachment = "Shift log, line 3: 14 hours, no pay since August.\n"

    @Test func everyReviewerOpensTheSameMessageAndAttachment() throws {
        let org = try seal.makeOrg()
        try seal.makeReviewer("alice")
        try seal.write("bob-passphrase.txt", "correct horse battery staple\n")
        try seal.makeReviewer("bob", passphraseFile: "bob-passphrase.txt")
        try seal.signBundle(org, reviewers: ["alice", "bob"])
        try seal.write("shift-log.txt", Self.attachment)

        let encrypted = try seal.encrypt(org, out: "report.seal",
                                         ["--message", Self.message, "--attach", "shift-log.txt"])
        #expect(encrypted.status == 0, "\(encrypted)")
        #expect(encrypted.stdout.contains("2 reviewer(s)"), "\(encrypted)")

        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "alice", "report.seal")
        try seal.ok("open", "--key", "keys/bob.seckey", "--passphrase-file", "bob-passphrase.txt",
                    "--out", "bob", "report.seal")

        for out in ["alice", "bob"] {
            #expect(seal.list(out) == ["index.csv", "index.json"] + seal.threads(in: out))
            let threads = seal.threads(in: out)
            try #require(threads.count == 1, "\(out): \(threads)")
            #expect(threads[0].hasPrefix("thread-"))
            let reports = seal.list("\(out)/\(threads[0])")
            try #require(reports.count == 1, "\(out): \(reports)")
            #expect(reports[0].hasPrefix("report-"))
            let folder = "\(out)/\(threads[0])/\(reports[0])"
            #expect(seal.tree(folder) == ["attachments/", "attachments/shift-log.txt", "custody.json", "manifest.json", "message.txt"])
            #expect(try seal.read("\(folder)/message.txt") == Data(Self.message.utf8))
            #expect(try seal.read("\(folder)/attachments/shift-log.txt") == Data(Self.attachment.utf8))

            let manifest = try seal.json("\(folder)/manifest.json")
            #expect(manifest["kind"] as? String == "report")
            #expect(manifest["client"] as? String == "seal-cli/1")
            #expect(manifest["message"] as? String == Self.message)
            let files = try #require(manifest["files"] as? [[String: Any]])
            #expect(files.count == 1)
            #expect(files.first?["name"] as? String == "shift-log.txt")
            #expect(files.first?["size"] as? Int == Self.attachment.utf8.count)
            #expect(files.first?["sha256"] as? String == (try seal.sha256("shift-log.txt")))
        }
        // Both reviewers see the same report under the same names.
        #expect(seal.tree("alice") == seal.tree("bob"))
    }

    @Test func openingTwiceSaysAlreadyOpenedAndChangesNothing() throws {
        let org = try seal.makeWorld()
        try seal.write("note.txt", "evidence\n")
        #expect(try seal.encrypt(org, out: "r.seal", ["--message", "hello", "--attach", "note.txt"]).status == 0)
        let first = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        #expect(first.stdout.contains("opened into"), "\(first)")
        let before = try snapshot("out")

        let second = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        #expect(second.stdout.contains("already opened"), "\(second)")
        #expect(!second.stdout.contains("opened into"), "\(second)")
        #expect(try snapshot("out") == before)
        #expect(seal.reportFolders(in: "out").count == 1)
    }

    @Test func openOfAFolderOpensEverySealFileInIt() throws {
        let org = try seal.makeWorld()
        try seal.write("inbox/readme.txt", "not an envelope\n")
        for (i, name) in ["first", "second", "third"].enumerated() {
            #expect(try seal.encrypt(org, out: "inbox/\(name).seal", ["--message", "report \(i)"]).status == 0)
        }

        let result = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "inbox")
        #expect(result.stdoutLines.filter { $0.contains("opened into") }.count == 3, "\(result)")

        let folders = seal.reportFolders(in: "out")
        #expect(folders.count == 3, "\(folders)")
        let messages = try folders.map { try seal.text("\($0)/message.txt") }.sorted()
        #expect(messages == ["report 0", "report 1", "report 2"])
    }

    @Test func openedReportIsReadableOnlyByItsOwner() throws {
        let org = try seal.makeWorld()
        try seal.write("note.txt", "evidence\n")
        #expect(try seal.encrypt(org, out: "r.seal", ["--message", "hello", "--attach", "note.txt"]).status == 0)
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        let folder = try #require(seal.reportFolders(in: "out").first)
        #expect(try seal.mode("out") & 0o077 == 0)
        #expect(try seal.mode(folder) & 0o077 == 0)
        for file in ["message.txt", "manifest.json", "attachments/note.txt"] {
            #expect(try seal.mode("\(folder)/\(file)") == 0o600, "\(file)")
        }
    }

    @Test func encryptWritesNothingToStderrWhenAllIsWell() throws {
        // Progress is for terminals only (README.md); here stderr is a file.
        let org = try seal.makeWorld()
        try seal.write("note.txt", "evidence\n")
        let encrypted = try seal.encrypt(org, out: "r.seal", ["--message", "hello", "--attach", "note.txt"])
        #expect(encrypted.status == 0)
        #expect(encrypted.stderr.isEmpty, "\(encrypted)")
        let opened = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        #expect(opened.stderr.isEmpty, "\(opened)")
    }

    @Test func envelopeHeaderNamesTheBundleAndUsesXWingForEveryReviewer() throws {
        let org = try seal.makeWorld(reviewers: ["alice", "bob"])
        #expect(try seal.encrypt(org, out: "r.seal", ["--message", "hello"]).status == 0)
        let envelope = try seal.read("r.seal")
        #expect(envelope.prefix(6) == Data("SEAL1\n".utf8))
        let length = Bytes.headerLength(envelope)
        try seal.write("header.json", envelope[10..<(10 + length)])
        let header = try seal.json("header.json")
        #expect(Set(header.keys) == ["v", "bundle", "stanzas", "chunk", "salt"])
        #expect(header["v"] as? Int == 1)
        #expect(header["chunk"] as? Int == 65536)
        #expect(Bytes.base64URLDecode(header["salt"] as? String ?? "")?.count == 16)

        // "bundle" is the hex SHA-256 of the signed body bytes.
        let bodyText = try #require(try seal.json("bundle.json")["body"] as? String)
        try seal.write("body.bin", try #require(Bytes.base64URLDecode(bodyText)))
        #expect(header["bundle"] as? String == (try seal.sha256("body.bin")))

        let stanzas = try #require(header["stanzas"] as? [[String: Any]])
        let kids = try ["alice", "bob"].map { try seal.json("keys/\($0).pub")["kid"] as? String }
        #expect(Set(stanzas.compactMap { $0["kid"] as? String }) == Set(kids.compactMap { $0 }))
        for stanza in stanzas {
            #expect(stanza["suite"] as? String == "xwing-hkdf-sha256-aes256gcm")
            #expect(Bytes.base64URLDecode(stanza["enc"] as? String ?? "")?.count == 1120)
            #expect(Bytes.base64URLDecode(stanza["ct"] as? String ?? "")?.count == 48)
        }
    }

    @Test func shortReportsAllHaveTheSameSize() throws {
        // docs/FORMAT.md §3-4: padding to at least 16 KiB, so a short message's length does not show.
        let org = try seal.makeWorld()
        try seal.write("note.txt", String(repeating: "a longer attached note. ", count: 200))
        let sizes = try [
            ["--message", "ok"],
            ["--message", String(repeating: "much longer testimony ", count: 300)],
            ["--message", "with a file", "--attach", "note.txt"],
        ].enumerated().map { i, args -> Int in
            #expect(try seal.encrypt(org, out: "r\(i).seal", args).status == 0)
            return try seal.read("r\(i).seal").count
        }
        #expect(Set(sizes).count == 1, "\(sizes)")
    }

    /// Every path below `folder` with its bytes and modification time.
    private func snapshot(_ folder: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in seal.tree(folder) {
            let path = seal.path("\(folder)/\(item)")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            let content = item.hasSuffix("/") ? "" : (try seal.sha256("\(folder)/\(item)"))
            result[item] = "\(modified) \(content)"
        }
        return result
    }
}
