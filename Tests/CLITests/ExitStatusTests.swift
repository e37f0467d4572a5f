import Foundation
import Testing

/// README.md: exit 0 on success, 1 on a user-facing error (one clear line on stderr, no
/// stack trace), 2 on usage errors.
@Suite("seal exit status")
final class ExitStatusTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    @Test(arguments: [["--help"], ["help"], [], ["encrypt", "--help"], ["help", "open"]])
    func helpExitsZeroWithUsageOnStdout(arguments: [String]) throws {
        let result = try seal.run(arguments)
        expectNoCrashOutput(result)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("USAGE:") || result.stdout.contains("Usage:"), "\(result)")
        #expect(!result.stderr.contains("CommandError"), "\(result)")
    }

    @Test func unknownFlagIsAUsageError() throws {
        let result = try seal.run("keygen", "--name", "alice", "--out", "keys", "--no-passphrase", "--frobnicate")
        expectUsageError(result, mentioning: ["--frobnicate"])
        #expect(!seal.exists("keys"))
    }

    @Test func unknownSubcommandIsAUsageError() throws {
        expectUsageError(try seal.run("decrypt-everything"))
    }

    @Test func missingOutIsAUsageError() throws {
        let result = try seal.run("keygen", "--name", "alice", "--no-passphrase")
        expectUsageError(result, mentioning: ["--out"])
        #expect(seal.list(".").isEmpty, "nothing may be written: \(seal.list("."))")
    }

    @Test func encryptWithoutOutIsAUsageError() throws {
        let org = try seal.makeWorld()
        let result = try seal.run("encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint,
                                  "--message", "hi")
        expectUsageError(result, mentioning: ["--out"])
    }

    @Test func contradictoryOptionsAreAUsageError() throws {
        try seal.write("p.txt", "pass\n")
        expectUsageError(try seal.run("keygen", "--name", "a", "--out", "k", "--passphrase-file", "p.txt", "--no-passphrase"))
        #expect(!seal.exists("k/a.seckey"))
    }

    @Test func malformedOrgFingerprintIsAUsageError() throws {
        try seal.makeWorld()
        let result = try seal.run("encrypt", "--bundle", "bundle.json", "--org-fingerprint", "abcd",
                                  "--message", "hi", "--out", "r.seal")
        expectUsageError(result, mentioning: ["fingerprint"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func allowUnscrubbedForAFileThatIsNotAttachedIsAUsageError() throws {
        let org = try seal.makeWorld()
        let result = try seal.encrypt(org, out: "r.seal", ["--message", "hi", "--allow-unscrubbed", "x.bin"])
        expectUsageError(result, mentioning: ["--allow-unscrubbed"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func missingInputFileIsAUserErrorOnOneLine() throws {
        let result = try seal.run("fingerprint", "no-such-file.pub")
        expectUserError(result, mentioning: ["no-such-file.pub"])
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test func fileThatIsNotAKeyIsAUserErrorOnOneLine() throws {
        try seal.write("notes.txt", "just some notes\n")
        expectUserError(try seal.run("fingerprint", "notes.txt"), mentioning: ["notes.txt"])
    }

    @Test func unsafeReviewerNameIsRefusedWithoutWritingOutsideTheFolder() throws {
        let result = try seal.run("keygen", "--name", "../escape", "--out", "keys", "--no-passphrase")
        expectUserError(result, mentioning: ["--name"])
        #expect(!seal.exists("escape.seckey"))
        #expect(seal.tree("keys").isEmpty)
    }
}
