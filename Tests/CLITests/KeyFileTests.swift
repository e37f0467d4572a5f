import Foundation
import Testing

/// docs/FORMAT.md §1-2 key files and §8 `keygen`, `org keygen`, `credential new`, `fingerprint`.
@Suite("seal key files")
final class KeyFileTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    @Test func secretFilesAreMode0600() throws {
        try seal.makeOrg()
        try seal.makeReviewer("alice")
        try seal.ok("credential", "new", "--name", "alice", "--out", "online")
        for secret in ["org/org.seckey", "keys/alice.seckey", "online/alice.fetch.seckey"] {
            #expect(try seal.mode(secret) == 0o600, "\(secret)")
        }
        for folder in ["org", "keys", "online"] {
            #expect(try seal.mode(folder) & 0o077 == 0, "\(folder) should be private")
        }
    }

    @Test func noPassphrasePrintsAWarning() throws {
        let reviewer = try seal.ok("keygen", "--name", "alice", "--out", "keys", "--no-passphrase")
        #expect(reviewer.stderr.hasPrefix("warning: "), "\(reviewer)")
        #expect(reviewer.stderr.contains("WITHOUT a passphrase"), "\(reviewer)")
        let org = try seal.ok("org", "keygen", "--out", "org", "--no-passphrase")
        #expect(org.stderr.contains("WITHOUT a passphrase"), "\(org)")
    }

    @Test func keygenWithoutPassphraseOptionAndWithoutTerminalRefusesToWriteAnUnprotectedKey() throws {
        let result = try seal.run("keygen", "--name", "alice", "--out", "keys")
        expectUserError(result, mentioning: ["--passphrase-file"])
        #expect(!seal.exists("keys/alice.seckey"))
    }

    @Test func protectedSecretKeyHoldsOnlyTheSealedSecret() throws {
        try seal.write("pass.txt", "a long passphrase for the test\n")
        let result = try seal.ok("keygen", "--name", "bob", "--out", "keys", "--passphrase-file", "pass.txt")
        #expect(result.stderr.isEmpty, "no warning for a protected key:\n\(result)")
        #expect(try seal.mode("keys/bob.seckey") == 0o600)

        let secret = try seal.json("keys/bob.seckey")
        let pub = try seal.json("keys/bob.pub")
        #expect(secret["type"] as? String == "sealrelay-reviewer-secret")
        #expect(secret["v"] as? Int == 1)
        #expect(secret["name"] as? String == "bob")
        #expect(secret["kid"] as? String == pub["kid"] as? String)
        #expect(secret["x25519"] == nil)
        #expect(secret["xwing"] == nil)

        let protected = try #require(secret["protected"] as? [String: Any])
        #expect(protected["kdf"] as? String == "argon2id")
        #expect((protected["ops"] as? Int ?? 0) >= 3)
        #expect((protected["mem"] as? Int ?? 0) >= 268_435_456)
        #expect(Bytes.base64URLDecode(protected["salt"] as? String ?? "")?.count == 16)
        #expect(Bytes.base64URLDecode(protected["nonce"] as? String ?? "")?.count == 24)
        // The sealed JSON of two 32-byte secrets, plus a 16-byte tag: clearly more than 64 bytes.
        #expect((Bytes.base64URLDecode(protected["ct"] as? String ?? "")?.count ?? 0) > 64 + 16)
        #expect(!(try seal.text("keys/bob.seckey")).contains("a long passphrase"))
    }

    @Test func protectedKeyWithoutPassphraseFileSaysHowToGiveIt() throws {
        // No Argon2id run here: the passphrase is missing before any key derivation.
        try seal.write("pass.txt", "another passphrase\n")
        try seal.makeReviewer("bob", passphraseFile: "pass.txt")
        expectUserError(try seal.run("fingerprint", "keys/bob.seckey"), mentioning: ["--passphrase-file"])
    }

    @Test func wrongPassphraseOpensNothing() throws {
        let org = try seal.makeOrg()
        try seal.write("right.txt", "the right passphrase\n")
        try seal.write("wrong.txt", "the wrong passphrase\n")
        try seal.makeReviewer("bob", passphraseFile: "right.txt")
        try seal.signBundle(org, reviewers: ["bob"])
        #expect(try seal.encrypt(org, out: "r.seal", ["--message", "hi"]).status == 0)

        let result = try seal.run("open", "--key", "keys/bob.seckey", "--passphrase-file", "wrong.txt",
                                  "--out", "out", "r.seal")
        expectUserError(result, mentioning: ["wrong passphrase"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func truncatedSecretKeyIsRefused() throws {
        let org = try seal.makeWorld()
        #expect(try seal.encrypt(org, out: "r.seal", ["--message", "hi"]).status == 0)
        let key = try seal.read("keys/alice.seckey")
        try seal.write("keys/alice.seckey", key.prefix(key.count / 2))

        let result = try seal.run("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        expectUserError(result, mentioning: ["key file"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func publicKeyGivenAsSecretKeyIsRefused() throws {
        let org = try seal.makeWorld()
        #expect(try seal.encrypt(org, out: "r.seal", ["--message", "hi"]).status == 0)
        let result = try seal.run("open", "--key", "keys/alice.pub", "--out", "out", "r.seal")
        expectUserError(result, mentioning: ["sealrelay-reviewer-public"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func keygenDoesNotOverwriteExistingKeys() throws {
        try seal.makeOrg()
        try seal.makeReviewer("alice")
        let before = try ["keys/alice.seckey", "keys/alice.pub", "org/org.seckey", "org/org.pub"].map { try seal.read($0) }

        let reviewer = try seal.run("keygen", "--name", "alice", "--out", "keys", "--no-passphrase")
        let org = try seal.run("org", "keygen", "--out", "org", "--no-passphrase")
        for result in [reviewer, org] {
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("seal: ") && result.stderr.contains("already exists"), "\(result)")
            // Refused before the passphrase is asked for: one line, and no warning about a key
            // that was never written.
            expectUserError(result, mentioning: ["already exists"])
        }

        let after = try ["keys/alice.seckey", "keys/alice.pub", "org/org.seckey", "org/org.pub"].map { try seal.read($0) }
        #expect(after == before)
        #expect(seal.list("keys") == ["alice.pub", "alice.seckey"])
        #expect(seal.list("org") == ["org.pub", "org.seckey"])
    }

    @Test func keygenDoesNotOverwriteALonePublicKey() throws {
        try seal.write("keys/alice.pub", "someone else's key\n")
        try seal.write("p.txt", "a passphrase\n")
        let result = try seal.run("keygen", "--name", "alice", "--out", "keys", "--passphrase-file", "p.txt")
        // With a passphrase file there is no warning, so this refusal is one clean line.
        expectUserError(result, mentioning: ["alice.pub", "already exists"])
        #expect(try seal.text("keys/alice.pub") == "someone else's key\n")
        #expect(!seal.exists("keys/alice.seckey"))
    }

    // MARK: fingerprints

    @Test func fingerprintOfOrgKeyAndOfItsBundleIsTheHexThatEncryptAccepts() throws {
        let keygen = try seal.ok("org", "keygen", "--out", "org", "--no-passphrase")
        try seal.makeReviewer("alice")
        let fromPub = try seal.hexFingerprint(of: "org/org.pub")
        let org = TestOrg(dir: "org", fingerprint: fromPub)
        try seal.signBundle(org, reviewers: ["alice"])

        #expect(fromPub.count == 64)
        #expect(fromPub.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(keygen.stdout.contains(fromPub), "org keygen shows the same hex:\n\(keygen)")
        #expect(try seal.hexFingerprint(of: "bundle.json") == fromPub)
        #expect(try seal.hexFingerprint(of: "org/org.seckey") == fromPub)

        // docs/FORMAT.md §1-2: SHA-256 of the Ed25519 public key, checked here with coreutils.
        let ed25519Text = try #require(try seal.json("org/org.pub")["ed25519"] as? String)
        let ed25519 = try #require(Bytes.base64URLDecode(ed25519Text))
        #expect(ed25519.count == 32)
        try seal.write("org-key.raw", ed25519)
        #expect(try seal.sha256("org-key.raw") == fromPub)

        let encrypted = try seal.encrypt(org, out: "r.seal", ["--message", "pinned"])
        #expect(encrypted.status == 0, "\(encrypted)")
        let upper = try seal.run("encrypt", "--bundle", "bundle.json", "--org-fingerprint", fromPub.uppercased(),
                                 "--message", "pinned", "--out", "r2.seal")
        #expect(upper.status == 0, "hex in capitals is the same fingerprint:\n\(upper)")
    }

    @Test func fingerprintOfAReviewerKeyIsTheSameFromPubAndSeckey() throws {
        try seal.makeReviewer("alice")
        let result = try seal.ok("fingerprint", "keys/alice.pub")
        #expect(result.stdout.contains("alice"), "\(result)")
        let pub = try seal.hexFingerprint(of: "keys/alice.pub")
        #expect(pub.count == 64)
        #expect(pub.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(try seal.hexFingerprint(of: "keys/alice.seckey") == pub)
        let kid = try #require(try seal.json("keys/alice.pub")["kid"] as? String)
        #expect(result.stdout.contains(kid), "the kid is shown:\n\(result)")
    }
}
