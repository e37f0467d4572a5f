import Foundation
import Testing
@testable import SealCore

/// docs/FORMAT.md, "Bundle v2": epoch keys signed by the organisation per reviewer, and the
/// sender's choice among them.
@Suite("Bundle v2 and epoch keys")
struct EpochBundleTests {
    static func month(_ text: String) throws -> EpochMonth { try #require(EpochMonth(text)) }

    static func epochs(_ reviewer: String, _ months: [String], seed: UInt8) throws -> [EpochPublicKey] {
        try months.enumerated().map { i, m in
            EpochPublicKey(epoch: try month(m), key: try TestKeys.identity(reviewer, seed: seed &+ UInt8(2 * i)).publicKey)
        }
    }

    static func sign(_ epochs: [EpochPublicKey], org: SigningKey) throws -> [UInt8] {
        try RecipientBundle.sign(organisation: org, reviewers: [TestKeys.identity("alice", seed: 1).publicKey,
                                                                TestKeys.identity("bob", seed: 3).publicKey],
                                 relays: ["https://relay.example"], counter: 1, validDays: 30, epochs: epochs)
    }

    /// Signs an arbitrary v2 body, as a careless or hostile tool might, to test what verify refuses.
    static func signRaw(_ body: [String: Any], org: SigningKey) throws -> [UInt8] {
        let bodyBytes = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        let sig = try org.signature(for: RecipientBundle.signatureContext(version: 2) + bodyBytes)
        let file: [String: Any] = ["type": "sealrelay-bundle", "v": 2, "body": Base64URL.encode(bodyBytes), "sig": Base64URL.encode(sig)]
        return Array(try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]))
    }

    @Test("a bundle with epochs is version 2 and routes every epoch kid to its reviewer")
    func versionTwo() throws {
        let org = try TestKeys.organisation()
        let alice = try Self.epochs("alice", ["2031-01", "2031-02"], seed: 11)
        let bytes = try Self.sign(alice, org: org)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["v"] as? Int == 2)
        let bundle = try RecipientBundle.verify(bytes, pinned: org.fingerprint, counters: nil)
        #expect(bundle.epochs(ofReviewer: "alice") == alice)
        #expect(bundle.epochs(ofReviewer: "bob").isEmpty)
        #expect(bundle.kids(ofReviewer: "alice") == Set([try TestKeys.identity("alice", seed: 1).kid] + alice.map(\.kid)))
        #expect(bundle.recipientKids.count == 4)
    }

    @Test("a version 2 bundle relabelled version 1 does not verify")
    func downgrade() throws {
        let org = try TestKeys.organisation()
        let bytes = try Self.sign(Self.epochs("alice", ["2031-01"], seed: 11), org: org)
        let text = String(decoding: bytes, as: UTF8.self)
        try #require(text.contains("\"v\":2"))
        let relabelled = Array(text.replacingOccurrences(of: "\"v\":2", with: "\"v\":1").utf8)
        #expect(throws: BundleError.badSignature) {
            try RecipientBundle.verify(relabelled, pinned: org.fingerprint, counters: nil)
        }
    }

    @Test("a signed bundle giving a reviewer two keys for one month is refused")
    func duplicateMonth() throws {
        let org = try TestKeys.organisation()
        let good = try RecipientBundle.verify(Self.sign(Self.epochs("alice", ["2031-01", "2031-02"], seed: 11), org: org),
                                              pinned: org.fingerprint, counters: nil)
        var body = try #require(try JSONSerialization.jsonObject(with: Data(good.body)) as? [String: Any])
        var reviewers = try #require(body["reviewers"] as? [[String: Any]])
        var list = try #require(reviewers[0]["epochs"] as? [[String: Any]])
        list[1]["epoch"] = list[0]["epoch"]
        reviewers[0]["epochs"] = list
        body["reviewers"] = reviewers
        #expect(throws: BundleError.self) {
            try RecipientBundle.verify(try Self.signRaw(body, org: org), pinned: org.fingerprint, counters: nil)
        }
    }

    @Test("signing refuses epochs of a name that is not a reviewer")
    func strangerEpochs() throws {
        let org = try TestKeys.organisation()
        #expect(throws: BundleError.self) {
            try Self.sign(Self.epochs("carol", ["2031-01"], seed: 11), org: org)
        }
    }

    @Test("a sender seals to this month's key, else the newest earlier with a notice, else the identity")
    func senderRule() throws {
        let org = try TestKeys.organisation()
        let alice = try Self.epochs("alice", ["2031-01", "2031-03"], seed: 11)
        let bob = try Self.epochs("bob", ["2031-06"], seed: 21)
        let bundle = try RecipientBundle.verify(Self.sign(alice + bob, org: org), pinned: org.fingerprint, counters: nil)
        let identities = try [TestKeys.identity("alice", seed: 1).publicKey, TestKeys.identity("bob", seed: 3).publicKey]

        let march = SealingRecipients(bundle: bundle, month: try Self.month("2031-03"))
        #expect(march.keys.map(\.kid) == [alice[1].kid, identities[1].kid])
        #expect(march.notices.count == 1 && march.notices[0].contains("bob"))

        let february = SealingRecipients(bundle: bundle, month: try Self.month("2031-02"))
        #expect(february.keys.map(\.kid) == [alice[0].kid, identities[1].kid])
        #expect(february.notices.contains { $0.contains("alice") && $0.contains("2031-01") })

        let december = SealingRecipients(bundle: bundle, month: try Self.month("2030-12"))
        #expect(december.keys.map(\.kid) == identities.map(\.kid))
    }

    @Test("months parse only as YYYY-MM and count across years")
    func months() throws {
        #expect(EpochMonth("2031-13") == nil)
        #expect(EpochMonth("2031-1") == nil)
        #expect(EpochMonth("+031-01") == nil)
        #expect(try Self.month("2031-12").adding(months: 1)?.description == "2032-01")
        #expect(try Self.month("2031-01").adding(months: -1)?.description == "2030-12")
    }
}
