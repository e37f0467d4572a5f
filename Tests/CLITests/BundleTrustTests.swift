import Foundation
import Testing

/// docs/FORMAT.md §1-2: clients refuse a bundle whose signature does not verify against the pinned
/// organisation fingerprint, or whose counter went backwards. A refused bundle leaves no
/// envelope behind: no `--out` file and no hidden partial file.
@Suite("seal encrypt trusts only the pinned organisation's current bundle")
final class BundleTrustTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    @Test func bundleSignedByAnotherOrganisationIsRefused() throws {
        try seal.makeWorld()
        let other = try seal.makeOrg("other-org")
        let result = try seal.encrypt(other, out: "r.seal", ["--message", "hi"])
        expectUserError(result, mentioning: ["different organisation"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func bundleWithAnAlteredBodyIsRefused() throws {
        let org = try seal.makeWorld()
        var file = try seal.json("bundle.json")
        let bodyText = try #require(file["body"] as? String)
        let body = try #require(Bytes.base64URLDecode(bodyText))
        var text = String(decoding: body, as: UTF8.self)
        // One byte changes (a hostile relay pointing sources elsewhere); the JSON stays valid.
        try #require(text.contains("127.0.0.1:8443"))
        text = text.replacingOccurrences(of: "127.0.0.1:8443", with: "127.0.0.1:8444")
        file["body"] = Bytes.base64URLEncode(Data(text.utf8))
        try seal.write("bundle.json", try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]))

        let result = try seal.encrypt(org, out: "r.seal", ["--message", "hi"])
        expectUserError(result, mentioning: ["signature"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func bundleWithAnUnknownVersionIsRefused() throws {
        let org = try seal.makeWorld()
        let original = try seal.text("bundle.json")
        try #require(original.contains("\"v\":1"))
        try seal.write("bundle.json", original.replacingOccurrences(of: "\"v\":1", with: "\"v\":3"))

        let result = try seal.encrypt(org, out: "r.seal", ["--message", "hi"])
        expectUserError(result, mentioning: ["version 3"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func bundleWhoseCounterWentBackwardsIsRefused() throws {
        let org = try seal.makeOrg()
        try seal.makeReviewer("alice")
        try seal.signBundle(org, reviewers: ["alice"], out: "bundle-5.json", counter: 5)
        try seal.signBundle(org, reviewers: ["alice"], out: "bundle-4.json", counter: 4)

        let newer = try seal.encrypt(org, bundle: "bundle-5.json", out: "r5.seal", ["--message", "hi"])
        #expect(newer.status == 0, "\(newer)")
        let older = try seal.encrypt(org, bundle: "bundle-4.json", out: "r4.seal", ["--message", "hi"])
        expectUserError(older, mentioning: ["counter 4", "5"])
        seal.expectNoEnvelope("r4.seal")

        // The counter is remembered in SEAL_STATE_DIR, not in the user's home.
        #expect(FileManager.default.fileExists(atPath: seal.state.appendingPathComponent("bundle-counters.json").path))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: seal.root.appendingPathComponent("home").path).isEmpty)
    }

    @Test func bundleWithTheSameCounterIsAcceptedAgain() throws {
        let org = try seal.makeOrg()
        try seal.makeReviewer("alice")
        try seal.signBundle(org, reviewers: ["alice"], counter: 7)
        #expect(try seal.encrypt(org, out: "a.seal", ["--message", "one"]).status == 0)
        #expect(try seal.encrypt(org, out: "b.seal", ["--message", "two"]).status == 0)
    }

    @Test func fingerprintOfATamperedBundleIsRefused() throws {
        try seal.makeWorld()
        var file = try seal.json("bundle.json")
        let sigText = try #require(file["sig"] as? String)
        let sig = try #require(Bytes.base64URLDecode(sigText))
        file["sig"] = Bytes.base64URLEncode(Bytes.flip(sig, at: 10))
        try seal.write("bundle.json", try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]))
        let result = try seal.run("fingerprint", "bundle.json")
        expectUserError(result, mentioning: ["signature"])
        #expect(!result.stdout.contains("hex:"), "\(result)")
    }
}
