import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// docs/FORMAT.md, "Epoch keys" and "Bundle v2": a reviewer makes monthly epoch keys
/// offline, the organisation signs them into the bundle, senders seal to the current
/// month's key, and retiring a month destroys what could open it.
@Suite("epoch keys: made offline, signed into the bundle, retired for good")
final class EpochTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    /// An organisation, alice with epochs for `start` and the months after it, and a v2 bundle.
    @discardableResult
    func world(start: Int, months: Int, passphraseFile: String? = nil) throws -> TestOrg {
        let org = try seal.makeOrg()
        try seal.makeReviewer("alice", passphraseFile: passphraseFile)
        try seal.makeEpochs("alice", start: Month.fromNow(start), months: months, passphraseFile: passphraseFile)
        try seal.signEpochBundle(org, reviewers: ["alice"], epochsOf: ["alice"])
        return org
    }

    // MARK: the files

    @Test func epochNewSealsEachMonthSeparatelyUnderOnePassphrase() throws {
        try seal.write("pass.txt", "correct horse battery staple\n")
        try seal.makeReviewer("alice", passphraseFile: "pass.txt")
        try seal.makeEpochs("alice", start: "2031-11", months: 3, passphraseFile: "pass.txt")

        let pub = try seal.json("keys/alice.epochs.pub")
        #expect(pub["type"] as? String == "sealrelay-epochs-public")
        #expect(pub["name"] as? String == "alice")
        let months = (pub["epochs"] as? [[String: Any]] ?? []).compactMap { $0["epoch"] as? String }
        #expect(months == ["2031-11", "2031-12", "2032-01"])

        let secret = try seal.json("keys/alice.epochs.seckey")
        let entries = secret["epochs"] as? [[String: Any]] ?? []
        #expect(entries.count == 3)
        let salts = Set(entries.compactMap { ($0["protected"] as? [String: Any])?["salt"] as? String })
        #expect(salts.count == 3, "each month is sealed on its own: \(entries)")
        #expect(entries.allSatisfy { $0["x25519"] == nil && $0["xwing"] == nil }, "no secret in the clear")
        #expect(try seal.mode("keys/alice.epochs.seckey") == 0o600)
    }

    @Test func epochNewWithoutStartContinuesAfterTheLastMonth() throws {
        try seal.makeReviewer("alice")
        try seal.makeEpochs("alice", start: "2031-11", months: 2, passphraseFile: nil)
        try seal.ok("epoch", "new", "--key", "keys/alice.seckey", "--months", "2", "--out", "keys", "--no-passphrase")
        let months = (try seal.json("keys/alice.epochs.pub")["epochs"] as? [[String: Any]] ?? []).compactMap { $0["epoch"] as? String }
        #expect(months == ["2031-11", "2031-12", "2032-01", "2032-02"])
    }

    @Test func epochNewShowsTheFingerprintTheOrganisationWillCompare() throws {
        let org = try seal.makeOrg()
        try seal.makeReviewer("alice")
        let made = try seal.makeEpochs("alice", start: "2031-11", months: 2)
        let hex = try seal.hexFingerprint(of: "keys/alice.epochs.pub")
        #expect(made.stdout.contains("hex:         \(hex)"), "\(made)")
        let signed = try seal.ok("org", "bundle", "--org-key", org.secretKey, "--relay-url", "https://127.0.0.1:8443",
                                 "--reviewer", "keys/alice.pub", "--epochs", "keys/alice.epochs.pub", "--out", "bundle.json")
        let digits = try #require(made.stdoutLines.first { $0.hasPrefix("fingerprint: ") }).dropFirst("fingerprint: ".count)
        #expect(signed.stdout.contains("fingerprint \(digits)"), "\(signed)")
    }

    @Test func epochNewRefusesAMonthTheFileAlreadyHas() throws {
        try seal.makeReviewer("alice")
        try seal.makeEpochs("alice", start: "2031-11", months: 2)
        let before = try seal.read("keys/alice.epochs.seckey")
        let overlap = try seal.run("epoch", "new", "--key", "keys/alice.seckey", "--months", "2", "--start", "2031-12",
                                   "--out", "keys", "--no-passphrase")
        #expect(overlap.status == 1, "\(overlap)")
        #expect(overlap.stderr.contains("2031-12"), "\(overlap)")
        #expect(try seal.read("keys/alice.epochs.seckey") == before, "a refused run changes nothing")
    }

    // MARK: the bundle

    @Test func bundleWithoutEpochsStaysVersionOne() throws {
        try seal.makeWorld()
        #expect(try seal.json("bundle.json")["v"] as? Int == 1)
    }

    @Test func epochsOfANameWithNoReviewerAreRefused() throws {
        let org = try seal.makeOrg()
        try seal.makeReviewer("alice")
        try seal.makeReviewer("bob")
        try seal.makeEpochs("bob", start: Month.fromNow(0), months: 1)
        let result = try seal.run("org", "bundle", "--org-key", org.secretKey, "--relay-url", "https://127.0.0.1:8443",
                                  "--reviewer", "keys/alice.pub", "--epochs", "keys/bob.epochs.pub", "--out", "bundle.json")
        expectUserError(result, mentioning: ["bob", "--reviewer"])
        #expect(!seal.exists("bundle.json"))
    }

    @Test func epochsAddedToABundleWithoutTheOrganisationsSignatureAreRefused() throws {
        let org = try seal.makeWorld()
        try seal.makeEpochs("alice", start: Month.fromNow(0), months: 1)
        var file = try seal.json("bundle.json")
        let bodyText = try #require(file["body"] as? String)
        let bodyData = try #require(Bytes.base64URLDecode(bodyText))
        var body = try #require(try JSONSerialization.jsonObject(with: bodyData) as? [String: Any])
        var reviewers = try #require(body["reviewers"] as? [[String: Any]])
        reviewers[0]["epochs"] = try seal.json("keys/alice.epochs.pub")["epochs"]
        body["reviewers"] = reviewers
        file["body"] = Bytes.base64URLEncode(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        file["v"] = 2
        try seal.write("bundle.json", try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]))

        let result = try seal.encrypt(org, out: "r.seal", ["--message", "hi"])
        expectUserError(result, mentioning: ["signature"])
        seal.expectNoEnvelope("r.seal")
    }

    // MARK: sending and opening

    @Test func aReportIsSealedToThisMonthsEpochAndOpensWithTheEpochsFile() throws {
        let org = try world(start: -1, months: 3)
        let encrypted = try seal.encrypt(org, out: "r.seal", ["--message", "sealed to this month"])
        #expect(encrypted.status == 0, "\(encrypted)")
        #expect(!encrypted.stderr.contains("notice"), "\(encrypted)")
        let kid = try #require(try seal.epochKid("alice", Month.fromNow(0)))
        #expect(try seal.envelopeKids("r.seal") == [kid])

        let withoutEpochs = try seal.run("open", "--key", "keys/alice.seckey", "--out", "plain", "r.seal")
        #expect(withoutEpochs.status == 1, "the identity alone does not open it: \(withoutEpochs)")
        #expect(withoutEpochs.stderr.contains("--epochs"), "and the reviewer is told what to add: \(withoutEpochs)")

        let opened = try seal.ok("open", "--key", "keys/alice.seckey", "--epochs", "keys/alice.epochs.seckey", "--out", "out", "r.seal")
        #expect(opened.stdout.contains("with epoch \(Month.fromNow(0))"), "\(opened)")
        let folder = try #require(seal.reportFolders(in: "out").first)
        #expect(try seal.text("\(folder)/message.txt") == "sealed to this month")
    }

    @Test func aBundleWhoseEpochsAllEndedSealsToTheNewestWithANotice() throws {
        let org = try world(start: -3, months: 2)
        let encrypted = try seal.encrypt(org, out: "r.seal", ["--message", "late"])
        #expect(encrypted.status == 0, "\(encrypted)")
        #expect(encrypted.stderr.contains("notice:") && encrypted.stderr.contains(Month.fromNow(-2)), "\(encrypted)")
        let kid = try #require(try seal.epochKid("alice", Month.fromNow(-2)))
        #expect(try seal.envelopeKids("r.seal") == [kid])
    }

    @Test func aBundleWithOnlyFutureEpochsSealsToTheIdentity() throws {
        let org = try world(start: 2, months: 2)
        let encrypted = try seal.encrypt(org, out: "r.seal", ["--message", "early"])
        #expect(encrypted.status == 0, "\(encrypted)")
        let identityKid = try #require(try seal.json("keys/alice.pub")["kid"] as? String)
        #expect(try seal.envelopeKids("r.seal") == [identityKid])
        let opened = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        #expect(opened.stdout.contains("with the identity key"), "\(opened)")
    }

    @Test func theOpenerRefusesAnotherReviewersEpochs() throws {
        let org = try world(start: 0, months: 1)
        try #require(try seal.encrypt(org, out: "r.seal", ["--message", "hi"]).status == 0)
        try seal.makeReviewer("bob")
        let result = try seal.run("open", "--key", "keys/bob.seckey", "--epochs", "keys/alice.epochs.seckey", "--out", "out", "r.seal")
        expectUserError(result, mentioning: ["alice", "bob"])
    }

    @Test func aDamagedEpochFailsAloneAndTheOtherMonthsStillOpen() throws {
        try seal.write("pass.txt", "correct horse battery staple\n")
        let org = try world(start: -1, months: 2, passphraseFile: "pass.txt")
        try #require(try seal.encrypt(org, out: "now.seal", ["--message", "this month"]).status == 0)
        // Damage last month's sealed secrets only: one base64url character of its ct.
        var secret = try seal.json("keys/alice.epochs.seckey")
        var entries = try #require(secret["epochs"] as? [[String: Any]])
        let last = try #require(entries.firstIndex { $0["epoch"] as? String == Month.fromNow(-1) })
        var protection = try #require(entries[last]["protected"] as? [String: Any])
        let ct = try #require(protection["ct"] as? String)
        protection["ct"] = (ct.first == "A" ? "B" : "A") + ct.dropFirst()
        entries[last]["protected"] = protection
        secret["epochs"] = entries
        try seal.write("keys/alice.epochs.seckey", try JSONSerialization.data(withJSONObject: secret, options: [.sortedKeys]))

        let opened = try seal.ok("open", "--key", "keys/alice.seckey", "--passphrase-file", "pass.txt",
                                 "--epochs", "keys/alice.epochs.seckey", "--out", "out", "now.seal")
        #expect(opened.stdout.contains("with epoch \(Month.fromNow(0))"), "\(opened)")

        // An envelope sealed last month: a bundle holding only last month's key.
        let pub = try seal.json("keys/alice.epochs.pub")
        var lastOnly = pub
        lastOnly["epochs"] = (pub["epochs"] as? [[String: Any]] ?? []).filter { $0["epoch"] as? String == Month.fromNow(-1) }
        try seal.write("keys/alice.epochs.pub", try JSONSerialization.data(withJSONObject: lastOnly, options: [.sortedKeys]))
        try seal.signEpochBundle(org, reviewers: ["alice"], epochsOf: ["alice"], out: "late.json")
        try #require(try seal.encrypt(org, bundle: "late.json", out: "late.seal", ["--message", "last month"]).status == 0)
        let damaged = try seal.run("open", "--key", "keys/alice.seckey", "--passphrase-file", "pass.txt",
                                   "--epochs", "keys/alice.epochs.seckey", "--out", "out2", "late.seal")
        expectUserError(damaged, mentioning: ["epoch \(Month.fromNow(-1))"])
        seal.expectNothingOpened(in: "out2")
    }

    // MARK: retirement

    @Test func anEnvelopeToARetiredEpochFailsWithOneLineNamingItAndWritesNothing() throws {
        let org = try world(start: -2, months: 2)
        try #require(try seal.encrypt(org, out: "r.seal", ["--message", "to last month"]).status == 0)
        let lastKid = try #require(try seal.epochKid("alice", Month.fromNow(-1)))
        #expect(try seal.envelopeKids("r.seal") == [lastKid])

        let retired = try seal.ok("epoch", "retire", "--epochs", "keys/alice.epochs.seckey", "--before", Month.fromNow(0))
        #expect(retired.stdout.contains("retired epoch \(Month.fromNow(-1))"), "\(retired)")
        let secret = try seal.text("keys/alice.epochs.seckey")
        let file = try seal.json("keys/alice.epochs.seckey")
        #expect((file["epochs"] as? [Any])?.isEmpty == true, "\(secret)")
        #expect((file["retired"] as? [[String: Any]] ?? []).map { $0["epoch"] as? String } == [Month.fromNow(-2), Month.fromNow(-1)])
        #expect(try seal.epochKid("alice", Month.fromNow(-1)) == nil, "the public file drops retired months too")

        let result = try seal.run("open", "--key", "keys/alice.seckey", "--epochs", "keys/alice.epochs.seckey", "--out", "out", "r.seal")
        expectUserError(result, mentioning: ["retired", Month.fromNow(-1)])
        #expect(!seal.exists("out"), "nothing written")
    }

    @Test func retiringTheCurrentMonthIsRefused() throws {
        try world(start: 0, months: 2)
        let before = try seal.read("keys/alice.epochs.seckey")
        let result = try seal.run("epoch", "retire", "--epochs", "keys/alice.epochs.seckey", "--before", Month.fromNow(1))
        expectUserError(result, mentioning: [Month.fromNow(0)])
        #expect(try seal.read("keys/alice.epochs.seckey") == before)
    }

    @Test func retireWithTheWrongPassphraseRetiresNothing() throws {
        try seal.write("pass.txt", "correct horse battery staple\n")
        try seal.write("wrong.txt", "incorrect horse\n")
        try world(start: -1, months: 2, passphraseFile: "pass.txt")
        let before = try seal.read("keys/alice.epochs.seckey")
        let result = try seal.run("epoch", "retire", "--epochs", "keys/alice.epochs.seckey", "--passphrase-file", "wrong.txt",
                                  "--before", Month.fromNow(0))
        expectUserError(result, mentioning: ["nothing was retired"])
        #expect(try seal.read("keys/alice.epochs.seckey") == before)
    }

    @Test func retireKilledAtAnyMomentLeavesTheOldFileOrTheNewOneNeverAHalfFile() throws {
        try seal.makeReviewer("alice")
        try seal.makeEpochs("alice", start: Month.fromNow(-24), months: 24)
        let original = try seal.read("keys/alice.epochs.seckey")
        let retire = ["epoch", "retire", "--epochs", "keys/alice.epochs.seckey", "--before", Month.fromNow(0)]
        // One uninterrupted run measures the window; the kills then land across it and well
        // past it (a loaded machine runs the later ones slower than the measured one), and a
        // kill due after the process ended is not waited for.
        let started = Date()
        try seal.ok(retire)
        let duration = Date().timeIntervalSince(started)
        let attempts = 12
        var outcomes: [String: Int] = [:]
        for attempt in 0..<attempts {
            try seal.write("keys/alice.epochs.seckey", original)
            let process = try seal.start(retire)
            let due = Date().addingTimeInterval(duration * 2.5 * Double(attempt) / Double(attempts - 1))
            while process.isRunning && Date() < due { usleep(2_000) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let now = try seal.read("keys/alice.epochs.seckey")
            let object = try #require(try JSONSerialization.jsonObject(with: now) as? [String: Any], "attempt \(attempt): not JSON")
            if now == original {
                outcomes["old", default: 0] += 1
            } else {
                let kept = (object["epochs"] as? [Any])?.count
                let gone = (object["retired"] as? [Any])?.count
                #expect(kept == 0 && gone == 24, "attempt \(attempt): \(String(decoding: now, as: UTF8.self))")
                outcomes["new", default: 0] += 1
            }
        }
        #expect(outcomes["old", default: 0] > 0 && outcomes["new", default: 0] > 0,
                "the kills should land both before and after the rename: \(outcomes)")
    }
}
