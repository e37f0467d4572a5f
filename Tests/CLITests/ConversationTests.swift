import Foundation
import SealCore
import Testing

/// docs/FORMAT.md §5 and issue 4, the offline half of a conversation: `seal reply` on the air-gapped
/// machine, what `seal push-replies` and `seal check` refuse before any request, follow-ups
/// on one thread, and `seal open`'s summary. The relay half is in
/// SealRelayTests/ConversationEndToEndTests.swift.
@Suite("Conversation")
final class ConversationTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    /// Nothing listens on port 1: a command that made a request would fail to connect, so a
    /// different error shows it stopped before the network.
    static let deadRelay = "https://127.0.0.1:1"
    static let anyFingerprint = String(repeating: "ab", count: 32)

    /// An organisation, alice, and one report from a source whose codename is in
    /// `codename.txt`, opened by alice into `opened`. Returns the report folder.
    private func openedReport(message: String = "Wages withheld since March.") throws -> (TestOrg, String) {
        let org = try seal.makeWorld()
        try seal.ok(["encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint, "--message", message,
                     "--codename-file", "codename.txt", "--out", "report.seal"])
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "opened", "report.seal")
        let folder = try #require(seal.reportFolders(in: "opened").first)
        return (org, folder)
    }

    private func codename(_ file: String = "codename.txt") throws -> CodenameSecrets {
        try Codename(parsing: seal.text(file)).secrets()
    }

    /// The one `ID.seal` in an outgoing folder.
    private func outgoingEnvelope(_ folder: String = "outgoing") throws -> String {
        let seals = seal.list(folder).filter { $0.hasSuffix(".seal") }
        try #require(seals.count == 1, "one reply expected in \(folder): \(seal.list(folder))")
        return "\(folder)/\(seals[0])"
    }

    private func reply(_ report: String, out: String = "outgoing", _ extra: [String] = []) throws -> RunResult {
        try seal.run(["reply", "--key", "keys/alice.seckey", "--report", report] + extra + ["--out", out])
    }

    // MARK: seal reply

    @Test func replyOpensWithTheCodenamesReplyIdentityAndCarriesTheThread() throws {
        let (_, report) = try openedReport()
        try seal.write("answer.txt", "Which plant? When were you paid last?\n")
        try seal.write("form.txt", "Complaint form, page 1\n")
        let result = try reply(report, ["--message-file", "answer.txt", "--attach", "form.txt"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("not signed"), "the reviewer is told the reply is not signed:\n\(result)")

        let secrets = try codename()
        let envelope = try outgoingEnvelope()
        let id = String((envelope as NSString).lastPathComponent.dropLast(".seal".count))
        #expect(seal.list("outgoing") == ["\(id).mailbox", "\(id).seal"], "nothing else, no partial file")
        #expect(try EnvelopeID.of(file: seal.path(envelope)).description == id, "named by its id (the relay's receipt)")
        let address = try seal.json("outgoing/\(id).mailbox")
        #expect(address["mailbox"] as? String == secrets.mailboxID)
        #expect(address["v"] as? Int == 1)
        #expect(address.count == 2)
        #expect(try seal.mode("outgoing") == 0o700)

        // Exactly one X25519 stanza, for the reply key; no bundle named.
        let head = try EnvelopeHead.read(from: InputFile(path: seal.path(envelope)))
        #expect(head.header.suite == .x25519)
        #expect(head.header.kids == [KeyID(x25519: secrets.replyPublicKey)])
        #expect(head.header.bundle == ReplyEnvelope.bundleID)

        let opened = try ReportOpener.open(envelope: seal.path(envelope), key: secrets.replyIdentity, into: seal.path("source"))
        #expect(opened.manifest.kind == .reply)
        #expect(opened.manifest.message == "Which plant? When were you paid last?\n")
        #expect(opened.manifest.thread == secrets.thread, "the reply carries the report's thread")
        #expect(opened.manifest.reply == nil, "a reply carries no reply block")
        #expect(opened.manifest.files.map(\.name) == ["form.txt"])
        #expect(opened.folder.contains("/thread-\(secrets.thread)/reply-"))
        #expect(try seal.text("source/thread-\(secrets.thread)/\((opened.folder as NSString).lastPathComponent)/attachments/form.txt")
                == "Complaint form, page 1\n")
    }

    @Test func theReviewerKeepsAReadableCopyOfTheReplyInTheReportsThread() throws {
        let (_, report) = try openedReport()
        try seal.write("form.txt", "Complaint form, page 1\n")
        let result = try reply(report, ["--message", "Which plant?", "--attach", "form.txt"])
        #expect(result.status == 0, "\(result)")
        let envelope = try outgoingEnvelope()
        let id = String((envelope as NSString).lastPathComponent.dropLast(".seal".count))
        let copy = "\((report as NSString).deletingLastPathComponent)/reply-\(id)"
        #expect(try seal.text("\(copy)/message.txt") == "Which plant?")
        #expect(try seal.text("\(copy)/attachments/form.txt") == "Complaint form, page 1\n")
        let manifest = try seal.json("\(copy)/manifest.json")
        #expect(manifest["kind"] as? String == "reply")
    }

    @Test func replyDoesNotOpenWithAReviewerKeyOrAnotherCodename() throws {
        let (_, report) = try openedReport()
        try seal.ok(["reply", "--key", "keys/alice.seckey", "--report", report, "--message", "thank you", "--out", "outgoing"])
        let envelope = try outgoingEnvelope()

        let byReviewer = try seal.run("open", "--key", "keys/alice.seckey", "--out", "reviewer-view", envelope)
        expectUserError(byReviewer, mentioning: ["not addressed to your key"])
        seal.expectNothingOpened(in: "reviewer-view")

        let stranger = Codename.generate().secrets()
        #expect(throws: EnvelopeError.notAddressedToYou) {
            try ReportOpener.open(envelope: self.seal.path(envelope), key: stranger.replyIdentity, into: self.seal.path("stranger"))
        }
        #expect(seal.tree("stranger").isEmpty)
    }

    @Test func replyRefusesAReportFolderWithoutAReplyBlock() throws {
        let (_, report) = try openedReport()
        var manifest = try seal.json("\(report)/manifest.json")
        manifest["reply"] = nil
        try seal.write("\(report)/manifest.json", JSONSerialization.data(withJSONObject: manifest))
        let result = try reply(report, ["--message", "hello"])
        expectUserError(result, mentioning: ["no reply block"])
        #expect(!seal.exists("outgoing"), "nothing written")
    }

    @Test func replyRefusesAReplyFolder() throws {
        let (_, report) = try openedReport()
        try seal.ok(["reply", "--key", "keys/alice.seckey", "--report", report, "--message", "first answer", "--out", "outgoing"])
        let opened = try ReportOpener.open(envelope: seal.path(try outgoingEnvelope()), key: codename().replyIdentity,
                                           into: seal.path("source"))
        let result = try reply(opened.folder, out: "outgoing2", ["--message", "an answer to an answer"])
        expectUserError(result, mentioning: ["holds a reply, not a report"])
        #expect(!seal.exists("outgoing2"))
    }

    @Test func replyRefusesAFolderThatIsNotAnOpenedReport() throws {
        _ = try seal.makeWorld()
        try FileManager.default.createDirectory(atPath: seal.path("empty"), withIntermediateDirectories: true)
        expectUserError(try reply("empty", ["--message", "hi"]), mentioning: ["no manifest.json"])
        expectUserError(try reply("missing", ["--message", "hi"]), mentioning: ["not a folder"])
    }

    @Test func replyRefusesAManifestWhoseReplyKeyIsALowOrderPoint() throws {
        let (_, report) = try openedReport()
        var manifest = try seal.json("\(report)/manifest.json")
        var block = try #require(manifest["reply"] as? [String: Any])
        block["key"] = Base64URL.encode([UInt8](repeating: 0, count: 32))
        manifest["reply"] = block
        try seal.write("\(report)/manifest.json", JSONSerialization.data(withJSONObject: manifest))
        expectUserError(try reply(report, ["--message", "hello"]), mentioning: ["reply key"])
        #expect(!seal.exists("outgoing"))
    }

    @Test func replyNeedsTheReviewersKeyToLoad() throws {
        let (_, report) = try openedReport()
        try seal.write("not-a-key", "{}")
        let result = try seal.run("reply", "--key", "not-a-key", "--report", report, "--message", "hi", "--out", "outgoing")
        #expect(result.status == 1, "\(result)")
        #expect(!seal.exists("outgoing"))
    }

    @Test func replyScrubsAttachmentsLikeEncryptAndRefusesWhatItCannotClean() throws {
        let (_, report) = try openedReport()
        try seal.write("evidence.bin", Data([0x00, 0x13, 0x37, 0xFE, 0xFF] + (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
        expectUserError(try reply(report, ["--message", "see file", "--attach", "evidence.bin"]),
                        mentioning: ["evidence.bin", "--allow-unscrubbed"])
        #expect(seal.list("outgoing").filter { !$0.hasPrefix(".") }.isEmpty, "no reply written")

        let allowed = try reply(report, ["--message", "see file", "--attach", "evidence.bin", "--allow-unscrubbed", "evidence.bin"])
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.stderr.contains("WITHOUT metadata removal"), "\(allowed)")
        let opened = try ReportOpener.open(envelope: seal.path(try outgoingEnvelope()), key: codename().replyIdentity,
                                           into: seal.path("source"))
        #expect(opened.manifest.unscrubbed == ["evidence.bin"])
    }

    @Test func replyUsageErrors() throws {
        let (_, report) = try openedReport()
        expectUsageError(try seal.run("reply", "--key", "keys/alice.seckey", "--report", report, "--out", "o"),
                         mentioning: ["--message-file"])
        expectUsageError(try seal.run("reply", "--key", "keys/alice.seckey", "--report", report, "--message", "a",
                                      "--message-file", "b", "--out", "o"))
        try seal.write("file-not-folder", "x")
        expectUserError(try reply(report, out: "file-not-folder", ["--message", "hi"]), mentioning: ["not a folder"])
    }

    @Test func twoRepliesToOneReportLieSideBySide() throws {
        let (_, report) = try openedReport()
        try seal.ok(["reply", "--key", "keys/alice.seckey", "--report", report, "--message", "one", "--out", "outgoing"])
        try seal.ok(["reply", "--key", "keys/alice.seckey", "--report", report, "--message", "two", "--out", "outgoing"])
        #expect(seal.list("outgoing").filter { $0.hasSuffix(".seal") }.count == 2)
        #expect(seal.list("outgoing").filter { $0.hasSuffix(".mailbox") }.count == 2)
    }

    // MARK: seal push-replies, before the network

    @Test func pushRepliesOfAnEmptyFolderContactsNobody() throws {
        try FileManager.default.createDirectory(atPath: seal.path("outgoing"), withIntermediateDirectories: true)
        let result = try seal.run("push-replies", "--relay", Self.deadRelay, "--credential", "none.fetch.seckey", "outgoing")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("nothing to push"), "\(result)")
    }

    @Test func pushRepliesRefusesWhatIsNotAReplyBeforeAnyRequest() throws {
        let (org, report) = try openedReport()
        // A report renamed as a reply, with an address: not one X25519 stanza.
        let reportID = try EnvelopeID.of(file: seal.path("report.seal")).description
        try seal.write("outgoing/\(reportID).seal", seal.read("report.seal"))
        try seal.write("outgoing/\(reportID).mailbox", "{\"mailbox\":\"\(try codename().mailboxID)\",\"v\":1}\n")
        // A real reply whose address was lost.
        try seal.ok(["reply", "--key", "keys/alice.seckey", "--report", report, "--message", "hi", "--out", "lost"])
        let lost = try outgoingEnvelope("lost")
        try seal.write("outgoing/\((lost as NSString).lastPathComponent)", seal.read(lost))
        // A real reply cut short (a copy still in progress).
        try seal.ok(["reply", "--key", "keys/alice.seckey", "--report", report, "--message", "hi", "--out", "cut"])
        let cut = try outgoingEnvelope("cut")
        let cutName = (cut as NSString).lastPathComponent
        try seal.write("outgoing/\(cutName)", seal.read(cut).dropLast(10))
        try seal.write("outgoing/\(cutName.dropLast(".seal".count)).mailbox", seal.read(OutgoingPath.address(cut)))
        _ = org

        let before = seal.list("outgoing")
        let result = try seal.run("push-replies", "--relay", Self.deadRelay, "--credential", "none.fetch.seckey", "outgoing")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("not a reply envelope"), "\(result)")
        #expect(result.stderr.contains("no ") && result.stderr.contains(".mailbox beside it"), "\(result)")
        #expect(result.stderr.contains("do not hash to its name"), "\(result)")
        #expect(!result.stderr.contains("connect"), "no request was made:\n\(result)")
        #expect(seal.list("outgoing") == before, "everything left alone")
    }

    // MARK: seal check, before the network

    @Test(arguments: [
        ("twelve words, one not in the list", "Word 3"),
        ("wrong checksum", "do not belong together"),
        ("eleven words", "exactly 12 words"),
    ])
    func checkRefusesABadCodenameBeforeAnyRequest(kind: String, mentioning needle: String) throws {
        let valid = Codename.generate().phrase(in: .english).split(separator: " ").map(String.init)
        var words = valid
        switch kind {
        case "twelve words, one not in the list": words[2] = "zzzqx"
        case "wrong checksum":
            // Swapping two different words keeps every word valid; the checksum catches it
            // unless the swap happens to keep it (1 in 16): then swap another pair.
            var i = 0
            repeat {
                words = valid
                words.swapAt(i, i + 1)
                i += 1
            } while i < Codename.wordCount - 1
                && (words == valid || (try? Codename(parsing: words.joined(separator: " "))) != nil)
        default: words.removeLast()
        }
        try seal.write("codename.txt", words.joined(separator: " ") + "\n")
        let result = try seal.run("check", "--relay", Self.deadRelay, "--org-fingerprint", Self.anyFingerprint,
                                  "--codename-file", "codename.txt")
        expectUserError(result, mentioning: [needle])
        #expect(!result.stderr.contains("connect"), "refused before any request:\n\(result)")
    }

    // MARK: follow-ups and seal open

    @Test func followUpsCarryTheSameThreadReplyKeyAndMailboxAndOpenIntoOneConversation() throws {
        let org = try seal.makeWorld()
        for (n, text) in ["first report", "follow-up: the plant is in Bac Ninh"].enumerated() {
            try seal.ok(["encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint, "--message", text,
                         "--codename-file", "codename.txt", "--out", "r\(n).seal"])
        }
        try seal.ok(["encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint, "--message", "someone else",
                     "--out", "other.seal"])
        try FileManager.default.createDirectory(atPath: seal.path("inbox"), withIntermediateDirectories: true)
        for name in ["r0.seal", "r1.seal", "other.seal"] {
            try FileManager.default.moveItem(atPath: seal.path(name), toPath: seal.path("inbox/\(name)"))
        }
        let opened = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "opened", "inbox")
        #expect(opened.stdoutLines.filter { $0.contains(": report opened into ") }.count == 3, "\(opened)")

        let secrets = try codename()
        let thread = "opened/thread-\(secrets.thread)"
        let reports = seal.list(thread).filter { $0.hasPrefix("report-") }
        #expect(reports.count == 2, "both reports of the codename in one thread: \(seal.tree("opened"))")
        for folder in reports {
            let manifest = try JSONDecoder().decode(Manifest.self, from: seal.read("\(thread)/\(folder)/manifest.json"))
            #expect(manifest.thread == secrets.thread)
            #expect(manifest.reply == secrets.replyAddress, "the same reply key and mailbox")
        }
        #expect(seal.threads(in: "opened").count == 2, "the other source has its own thread")

        // The summary: one line per conversation, reports listed in name order, the same
        // on every run.
        let summary = opened.stdoutLines.filter { $0.contains("thread-\(secrets.thread): ") }
        #expect(summary == ["\(thread): 2 reports: \(reports.joined(separator: " "))"], "\(opened)")
        let again = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "opened", "inbox")
        #expect(again.stdoutLines.filter { $0.contains(": report already opened in ") }.count == 3, "\(again)")
        #expect(again.stdoutLines.filter { $0.contains("thread-") && !$0.hasPrefix("inbox/") }
                == opened.stdoutLines.filter { $0.contains("thread-") && !$0.hasPrefix("inbox/") })
    }
}

/// Paths in an outgoing folder.
enum OutgoingPath {
    static func address(_ envelope: String) -> String { String(envelope.dropLast(".seal".count)) + ".mailbox" }
}
