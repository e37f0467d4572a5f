import Foundation
import SealCore
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// Issue 4, done when: a whole conversation with every step its own process against the
/// real `sealrelayd`. The source submits with a codename file; the reviewer fetches, opens
/// offline, replies and pushes; the source checks with the codename and reads the reply;
/// the source sends a follow-up; the reviewer sees both reports in one thread. Then the
/// relay's state directory, log and metrics are searched for a link between the mailbox
/// and the report it came from.
@Suite("Conversation end to end")
struct ConversationEndToEndTests {
    /// `seal ARGUMENTS` as its own process, with its bundle-counter state in `stateDirectory`
    /// (the test's own folder, not the home directory of whoever runs the tests).
    static func seal(_ arguments: [String], stateDirectory: String) async throws -> (Int32, String) {
        let binary = URL(fileURLWithPath: try RelayDaemon.binary()).deletingLastPathComponent().appendingPathComponent("seal").path
        // MetadataPolicyTests.run starts /usr/bin/env, which takes NAME=VALUE first.
        return try await MetadataPolicyTests.run("SEAL_STATE_DIR=\(stateDirectory)", [binary] + arguments)
    }

    /// A loopback port nothing listens on right now, for the daemon's admin listener (the
    /// daemon logs only its public port).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConfigError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw ConfigError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ConfigError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func lines(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init)
    }

    @Test("submit, fetch, open, reply, push, check, follow-up: one thread, and no link between mailbox and report on the relay",
          .timeLimit(.minutes(5)))
    func conversation() async throws {
        let relay = try await TestRelay()
        let dir = relay.dir
        try AtomicFile.write(relay.reviewers[0].encoded(passphrase: nil), to: "\(dir)/alice.seckey", mode: 0o600)
        try AtomicFile.write(relay.credentials[0].encoded(passphrase: nil), to: "\(dir)/alice.fetch.seckey", mode: 0o600)
        try Data("Which plant is it? When were you paid last?\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/question.txt"))
        try Data("Complaint form, page 1\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/form.txt"))
        let adminPort = try Self.freePort()
        let config = try await relay.handOverToDaemon { text in
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for i in lines.indices {
                if lines[i].hasPrefix("admin_listen") { lines[i] = "admin_listen = 127.0.0.1:\(adminPort)" }
                // The most the relay allows itself to log, so the search below covers it.
                if lines[i].hasPrefix("log_level") { lines[i] = "log_level = info" }
            }
            text = lines.joined(separator: "\n")
        }
        let daemon = try RelayDaemon(configPath: config)
        let url = "https://127.0.0.1:\(try await daemon.port())"
        let ca = "\(relay.stateDirectory)/tls/cert.pem"
        let fingerprint = relay.org.fingerprint.hex
        let source = ["--relay", url, "--org-fingerprint", fingerprint, "--ca", ca]
        let reviewer = ["--relay", url, "--credential", "\(dir)/alice.fetch.seckey", "--ca", ca]
        func seal(_ arguments: [String]) async throws -> (Int32, String) {
            try await Self.seal(arguments, stateDirectory: "\(dir)/seal-state")
        }

        // The source reports; a new codename is written to the file.
        let (submitted, submitOutput) = try await seal(["submit"] + source + [
            "--message", "We have not been paid since March.", "--codename-file", "\(dir)/codename.txt"])
        #expect(submitted == 0, Comment(rawValue: submitOutput))
        let receipt = String(try #require(Self.lines(submitOutput).first { $0.hasPrefix("receipt: ") }).dropFirst("receipt: ".count))
        let secrets = try Codename(parsing: String(contentsOfFile: "\(dir)/codename.txt", encoding: .utf8)).secrets()

        // Before any reply: an empty mailbox, said plainly.
        let (early, earlyOutput) = try await seal(["check"] + source + ["--codename-file", "\(dir)/codename.txt"])
        #expect(early == 0 && Self.lines(earlyOutput) == ["no replies yet"], Comment(rawValue: earlyOutput))

        // The reviewer fetches online, opens and replies offline, pushes online.
        let (fetched, fetchOutput) = try await seal(["fetch"] + reviewer + ["--out", "\(dir)/inbox"])
        #expect(fetched == 0, Comment(rawValue: fetchOutput))
        let (opened, openOutput) = try await seal(["open", "--key", "\(dir)/alice.seckey", "--out", "\(dir)/opened", "\(dir)/inbox"])
        #expect(opened == 0, Comment(rawValue: openOutput))
        let thread = "\(dir)/opened/thread-\(secrets.thread)"
        let firstReport = try #require(try FileManager.default.contentsOfDirectory(atPath: thread).first { $0.hasPrefix("report-") })
        let (replied, replyOutput) = try await seal([
            "reply", "--key", "\(dir)/alice.seckey", "--report", "\(thread)/\(firstReport)",
            "--message-file", "\(dir)/question.txt", "--attach", "\(dir)/form.txt", "--out", "\(dir)/outgoing"])
        #expect(replied == 0, Comment(rawValue: replyOutput))
        let replyFile = try #require(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/outgoing").first { $0.hasSuffix(".seal") })
        let replyID = String(replyFile.dropLast(".seal".count))
        // A copy of the folder stands for a run interrupted after the relay stored the reply
        // but before the files were removed.
        try FileManager.default.copyItem(atPath: "\(dir)/outgoing", toPath: "\(dir)/outgoing-copy")
        let (pushed, pushOutput) = try await seal(["push-replies"] + reviewer + ["\(dir)/outgoing"])
        #expect(pushed == 0, Comment(rawValue: pushOutput))
        #expect(pushOutput.contains("\(replyFile): delivered (receipt \(replyID))"), Comment(rawValue: pushOutput))
        #expect(pushOutput.contains("pushed 1"), Comment(rawValue: pushOutput))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/outgoing").isEmpty,
                "delivered replies leave the outgoing folder")
        let (pushedAgain, pushAgainOutput) = try await seal(["push-replies"] + reviewer + ["\(dir)/outgoing"])
        #expect(pushedAgain == 0 && pushAgainOutput.contains("nothing to push"), Comment(rawValue: pushAgainOutput))
        let (rerun, rerunOutput) = try await seal(["push-replies"] + reviewer + ["\(dir)/outgoing-copy"])
        #expect(rerun == 0 && rerunOutput.contains("\(replyFile): delivered"), Comment(rawValue: rerunOutput))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/outgoing-copy").isEmpty)

        // The source reads the reply, then saves it with its attachment.
        let (checked, checkOutput) = try await seal(["check"] + source + ["--codename-file", "\(dir)/codename.txt"])
        #expect(checked == 0, Comment(rawValue: checkOutput))
        #expect(checkOutput.contains("reply 1 of 1"), Comment(rawValue: checkOutput))
        #expect(checkOutput.contains("Which plant is it? When were you paid last?"), Comment(rawValue: checkOutput))
        #expect(checkOutput.contains("form.txt"), Comment(rawValue: checkOutput))
        let (saved, saveOutput) = try await seal(["check"] + source + ["--codename-file", "\(dir)/codename.txt",
                                                                           "--out", "\(dir)/replies"])
        #expect(saved == 0, Comment(rawValue: saveOutput))
        let sourceThread = "\(dir)/replies/thread-\(secrets.thread)"
        let replyFolder = try #require(try FileManager.default.contentsOfDirectory(atPath: sourceThread).first { $0.hasPrefix("reply-") })
        #expect(try String(contentsOfFile: "\(sourceThread)/\(replyFolder)/attachments/form.txt", encoding: .utf8) == "Complaint form, page 1\n")
        #expect(try String(contentsOfFile: "\(sourceThread)/\(replyFolder)/message.txt", encoding: .utf8)
                == "Which plant is it? When were you paid last?\n")

        // A wrong codename (valid words and checksum) finds an empty mailbox and says only that.
        try Data((Codename.generate().phrase(in: .english) + "\n").utf8).write(to: URL(fileURLWithPath: "\(dir)/wrong.txt"))
        let (wrong, wrongOutput) = try await seal(["check"] + source + ["--codename-file", "\(dir)/wrong.txt"])
        #expect(wrong == 0, Comment(rawValue: wrongOutput))
        #expect(Self.lines(wrongOutput) == ["no replies yet"], "nothing hints that the codename may be wrong: \(wrongOutput)")

        // A mistyped codename is refused before any request.
        var words = try String(contentsOfFile: "\(dir)/codename.txt", encoding: .utf8).split(separator: " ").map(String.init)
        words[4] = "zzzqx"
        try Data(words.joined(separator: " ").utf8).write(to: URL(fileURLWithPath: "\(dir)/mistyped.txt"))
        let (mistyped, mistypedOutput) = try await seal(["check"] + source + ["--codename-file", "\(dir)/mistyped.txt"])
        #expect(mistyped == 1, Comment(rawValue: mistypedOutput))
        #expect(mistypedOutput.contains("Word 5"), Comment(rawValue: mistypedOutput))

        // The follow-up, with the same codename file.
        let (followed, followOutput) = try await seal(["submit"] + source + [
            "--message", "Follow-up: the plant is the one by the river; last paid 2 March.", "--codename-file", "\(dir)/codename.txt"])
        #expect(followed == 0, Comment(rawValue: followOutput))
        #expect(!followOutput.contains("new codename"), Comment(rawValue: followOutput))
        let followUpReceipt = String(try #require(Self.lines(followOutput).first { $0.hasPrefix("receipt: ") }).dropFirst("receipt: ".count))

        // Now the relay holds the follow-up report AND the reply for the same source: the
        // moment a link would show. Search everything the relay keeps or says.
        let metrics = try await Self.metrics(adminPort)
        #expect(metrics.contains("sealrelay_"), "the metrics were read: \(metrics.prefix(200))")
        Self.expectNoLink(reports: [receipt, followUpReceipt], mailbox: secrets.mailboxID,
                          state: relay.stateDirectory, log: daemon.log, metrics: metrics)

        // The reviewer fetches and opens again: both reports in one thread folder.
        let (fetched2, fetch2Output) = try await seal(["fetch"] + reviewer + ["--out", "\(dir)/inbox"])
        #expect(fetched2 == 0 && fetch2Output.contains("fetched 1"), Comment(rawValue: fetch2Output))
        let (opened2, open2Output) = try await seal(["open", "--key", "\(dir)/alice.seckey", "--out", "\(dir)/opened", "\(dir)/inbox"])
        #expect(opened2 == 0, Comment(rawValue: open2Output))
        let threads = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/opened").filter { $0.hasPrefix("thread-") }
        #expect(threads == ["thread-\(secrets.thread)"], "one conversation: \(threads)")
        let reports = try FileManager.default.contentsOfDirectory(atPath: thread).filter { $0.hasPrefix("report-") }.sorted()
        #expect(reports.count == 2, "\(reports)")
        // The thread also holds the reviewer's own readable copy of their reply.
        let replies = try FileManager.default.contentsOfDirectory(atPath: thread).filter { $0.hasPrefix("reply-") }
        #expect(replies.count == 1, "\(replies)")
        #expect(open2Output.contains("\(thread): 2 reports, 1 reply: \(reports.joined(separator: " ")) \(replies[0])"),
                Comment(rawValue: open2Output))
        let messages = try reports.map { try String(contentsOfFile: "\(thread)/\($0)/message.txt", encoding: .utf8) }.sorted()
        #expect(messages == ["Follow-up: the plant is the one by the river; last paid 2 March.", "We have not been paid since March."])

        // The reply is still there for the source (replies stay until they expire).
        let (later, laterOutput) = try await seal(["check"] + source + ["--codename-file", "\(dir)/codename.txt"])
        #expect(later == 0 && laterOutput.contains("reply 1 of 1"), Comment(rawValue: laterOutput))

        // A reply sealed for another source but uploaded to this mailbox (a reviewer's slip:
        // the relay checks only a reply's shape) is named and ignored; the real one still reads.
        let (other, otherOutput) = try await seal(["submit"] + source + ["--message", "another source",
                                                                              "--codename-file", "\(dir)/other-codename.txt"])
        #expect(other == 0, Comment(rawValue: otherOutput))
        let otherReceipt = String(try #require(Self.lines(otherOutput).first { $0.hasPrefix("receipt: ") }).dropFirst("receipt: ".count))
        let otherSecrets = try Codename(parsing: String(contentsOfFile: "\(dir)/other-codename.txt", encoding: .utf8)).secrets()
        _ = try await seal(["fetch"] + reviewer + ["--out", "\(dir)/inbox"])
        _ = try await seal(["open", "--key", "\(dir)/alice.seckey", "--out", "\(dir)/opened", "\(dir)/inbox"])
        let otherThread = "\(dir)/opened/thread-\(otherSecrets.thread)"
        let otherReport = try #require(try FileManager.default.contentsOfDirectory(atPath: otherThread).first { $0.hasPrefix("report-") })
        let (misdirected, misdirectedOutput) = try await seal([
            "reply", "--key", "\(dir)/alice.seckey", "--report", "\(otherThread)/\(otherReport)", "--message", "for the other source",
            "--out", "\(dir)/misdirected"])
        #expect(misdirected == 0, Comment(rawValue: misdirectedOutput))
        let address = try #require(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/misdirected").first { $0.hasSuffix(".mailbox") })
        try Data("{\"mailbox\":\"\(secrets.mailboxID)\",\"v\":1}\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/misdirected/\(address)"))
        let (pushedWrong, pushedWrongOutput) = try await seal(["push-replies"] + reviewer + ["\(dir)/misdirected"])
        #expect(pushedWrong == 0, Comment(rawValue: pushedWrongOutput))
        let (mixed, mixedOutput) = try await seal(["check"] + source + ["--codename-file", "\(dir)/codename.txt"])
        #expect(mixed == 1, Comment(rawValue: mixedOutput))
        #expect(mixedOutput.contains("Which plant is it? When were you paid last?"), Comment(rawValue: mixedOutput))
        #expect(mixedOutput.contains("not addressed to your codename's reply key"), Comment(rawValue: mixedOutput))
        #expect(!mixedOutput.contains("for the other source"), Comment(rawValue: mixedOutput))

        let finalMetrics = try await Self.metrics(adminPort)
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0)
        for (receipts, mailbox) in [([receipt, followUpReceipt], secrets.mailboxID), ([otherReceipt], otherSecrets.mailboxID)] {
            Self.expectNoLink(reports: receipts, mailbox: mailbox, state: relay.stateDirectory, log: daemon.log, metrics: finalMetrics)
        }
    }

    static func metrics(_ port: Int) async throws -> String {
        let (status, output) = try await MetadataPolicyTests.run("curl", ["-sS", "--max-time", "10", "http://127.0.0.1:\(port)/metrics"])
        #expect(status == 0, Comment(rawValue: output))
        return output
    }

    /// Every form a relay might write an id in: base64url as on the wire, and hex.
    static func forms(_ base64URL: String) -> [String] {
        guard let bytes = Base64URL.decode(base64URL) else { return [base64URL] }
        return [base64URL, Hex.encode(bytes), Hex.encode(bytes).uppercased()]
    }

    /// No file of the state directory (its path and its bytes together), no log line and no
    /// metrics line holds a report's receipt and the mailbox id at once.
    static func expectNoLink(reports: [String], mailbox: String, state: String, log: String, metrics: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        var haystacks: [(String, String)] = []
        let files = FileManager.default.enumerator(atPath: state)?.allObjects as? [String] ?? []
        #expect(files.count > 5, "the search covered the state directory", sourceLocation: sourceLocation)
        for file in files {
            let full = "\(state)/\(file)"
            let bytes = FileSystem.isDirectory(full) ? Data() : (FileManager.default.contents(atPath: full) ?? Data())
            haystacks.append(("state file \(file)", file + "\n" + String(decoding: bytes, as: UTF8.self)))
        }
        for (n, line) in log.split(separator: "\n").enumerated() { haystacks.append(("log line \(n + 1)", String(line))) }
        for (n, line) in metrics.split(separator: "\n").enumerated() { haystacks.append(("metrics line \(n + 1)", String(line))) }
        #expect(!log.isEmpty, "the daemon logged something to search", sourceLocation: sourceLocation)

        let mailboxForms = forms(mailbox)
        for receipt in reports {
            let receiptForms = forms(receipt)
            for (name, text) in haystacks {
                let hasReceipt = receiptForms.contains { text.contains($0) }
                let hasMailbox = mailboxForms.contains { text.contains($0) }
                #expect(!(hasReceipt && hasMailbox), "\(name) links report \(receipt) to mailbox \(mailbox)",
                        sourceLocation: sourceLocation)
            }
        }
    }
}
