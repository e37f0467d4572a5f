import Foundation
import Testing

/// docs/FORMAT.md §5: a codename is 12 BIP39 words; follow-up reports made with the same codename,
/// in any of its languages, carry the same thread and open into the same `thread-*` folder.
@Suite("seal codename files")
final class CodenameCLITests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    private func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    private func isHangul(_ word: String) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy {
            (0xAC00...0xD7A3).contains($0.value) || (0x1100...0x11FF).contains($0.value) || (0x3130...0x318F).contains($0.value)
        }
    }

    @Test func missingCodenameFileGetsANewPrivateCodenameAndIsReusedNextTime() throws {
        let org = try seal.makeWorld()
        let first = try seal.encrypt(org, out: "first.seal", ["--message", "first", "--codename-file", "codename.txt"])
        #expect(first.status == 0, "\(first)")
        #expect(first.stderr.contains("codename.txt"), "the source is told where it went:\n\(first)")
        #expect(try seal.mode("codename.txt") == 0o600)
        let phrase = try seal.text("codename.txt")
        let english = words(phrase)
        #expect(english.count == 12, "\(phrase)")
        #expect(english.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isLowercase } }, "\(phrase)")
        #expect(!first.stdout.contains(english[0] + " " + english[1]), "the codename is not echoed when kept in a file")

        let second = try seal.encrypt(org, out: "second.seal", ["--message", "second", "--codename-file", "codename.txt"])
        #expect(second.status == 0, "\(second)")
        #expect(second.stderr.isEmpty, "nothing new to say:\n\(second)")
        #expect(try seal.text("codename.txt") == phrase, "reused, not replaced")

        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "first.seal")
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "second.seal")
        let threads = seal.threads(in: "out")
        #expect(threads.count == 1, "both reports share one thread: \(threads)")
        #expect(threads.first?.hasPrefix("thread-") == true)
        #expect(seal.reportFolders(in: "out").count == 2)
    }

    @Test func reportsWithoutACodenameFileGetDifferentThreadsAndShowTheCodename() throws {
        let org = try seal.makeWorld()
        let a = try seal.encrypt(org, out: "a.seal", ["--message", "a"])
        let b = try seal.encrypt(org, out: "b.seal", ["--message", "b"])
        #expect(a.status == 0 && b.status == 0)
        #expect(a.stdout.contains("codename"), "a new codename must be shown:\n\(a)")
        #expect(a.stdout != b.stdout)
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "a.seal")
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "b.seal")
        #expect(seal.threads(in: "out").count == 2)
    }

    @Test func koreanCodenameOpensIntoTheSameThread() throws {
        let org = try seal.makeWorld()
        #expect(try seal.encrypt(org, out: "first.seal", ["--message", "first", "--codename-file", "codename.txt"]).status == 0)
        let english = try seal.text("codename.txt")

        let shown = try seal.ok("codename", "--codename-file", "codename.txt", "--language", "korean")
        let korean = words(shown.stdout)
        #expect(korean.count == 12, "\(shown)")
        #expect(korean.allSatisfy(isHangul), "\(shown)")

        try seal.write("korean.txt", shown.stdout)
        let back = try seal.ok("codename", "--codename-file", "korean.txt", "--language", "english")
        #expect(words(back.stdout) == words(english), "same indices in every language")

        let second = try seal.encrypt(org, out: "second.seal", ["--message", "second", "--codename-file", "korean.txt"])
        #expect(second.status == 0, "\(second)")
        #expect(try seal.text("korean.txt") == shown.stdout)

        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "first.seal")
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "second.seal")
        #expect(seal.threads(in: "out").count == 1, "\(seal.list("out"))")
        #expect(seal.reportFolders(in: "out").count == 2)
    }

    @Test func chineseCodenameIsTwelveCharacters() throws {
        let org = try seal.makeWorld()
        #expect(try seal.encrypt(org, out: "r.seal", ["--message", "hi", "--codename-file", "codename.txt"]).status == 0)
        let shown = try seal.ok("codename", "--codename-file", "codename.txt", "--language", "chinese")
        let characters = shown.stdout.filter { !$0.isWhitespace }
        #expect(characters.count == 12, "\(shown)")
        #expect(characters.unicodeScalars.allSatisfy { (0x4E00...0x9FFF).contains($0.value) }, "\(shown)")
    }

    @Test func codenameWithAWordNotInTheListIsRefusedBeforeAnythingIsWritten() throws {
        let org = try seal.makeWorld()
        #expect(try seal.encrypt(org, out: "first.seal", ["--message", "hi", "--codename-file", "codename.txt"]).status == 0)
        var list = words(try seal.text("codename.txt"))
        list[4] = "qqqzzzq"
        try seal.write("typo.txt", list.joined(separator: " ") + "\n")

        let result = try seal.encrypt(org, out: "second.seal", ["--message", "hi", "--codename-file", "typo.txt"])
        expectUserError(result, mentioning: ["qqqzzzq"])
        seal.expectNoEnvelope("second.seal")
        expectUserError(try seal.run("codename", "--codename-file", "typo.txt"))
    }

    @Test func unknownLanguageIsAUsageError() throws {
        try seal.write("codename.txt", "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n")
        expectUsageError(try seal.run("codename", "--codename-file", "codename.txt", "--language", "klingon"),
                         mentioning: ["--language"])
        let english = try seal.ok("codename", "--codename-file", "codename.txt")
        #expect(english.stdout == "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n")
    }
}
