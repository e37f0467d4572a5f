import Foundation
import SealCore
import Testing

/// docs/FORMAT.md §10: `seal share` re-seals an opened report to a partner organisation's
/// pinned bundle, offline, as `"kind": "share"` with the original's custody; the partner's
/// `seal open` shows it as shared evidence with the original hashes.
@Suite("seal share")
final class ShareTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    /// Our organisation (alice reviews) opens a report with two attachments and a kept
    /// receipt; a partner organisation (pat reviews) has its own bundle, `partner.json`.
    func openedReportAndPartner() throws -> (report: String, partner: TestOrg, relay: SigningKey, id: EnvelopeID) {
        let org = try seal.makeWorld()
        try seal.write("contract.txt", "clause 7: passports held by the employer\n")
        try seal.write("label.txt", "Ocean Gold, lot 4471\n")
        try FileManager.default.createDirectory(atPath: seal.path("inbox"), withIntermediateDirectories: true)
        try seal.ok("encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint, "--message", "우리는 여권을 빼앗겼다",
                    "--attach", "contract.txt", "--attach", "label.txt", "--field", "shipment=MSCU1234567",
                    "--out", "inbox/a.seal")
        let relay = try SigningKey.generate(.relay)
        try seal.write("relay.pub", Data(try relay.encodedPublic()))
        let id = try EnvelopeID.of(file: seal.path("inbox/a.seal"))
        try seal.write("inbox/a.receipt.json", Data(try SignedReceipt.sign(id, with: relay).encoded()))
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "case", "inbox")
        let partner = try seal.makeOrg("partner-org")
        try seal.makeReviewer("pat", in: "partner-keys")
        try seal.signBundle(partner, reviewers: ["pat"], keysDir: "partner-keys", out: "partner.json")
        return (try #require(seal.reportFolders(in: "case").first), partner, relay, id)
    }

    @Test func thePartnerOpensASharedReportWithTheOriginalHashesFieldsAndReceipt() throws {
        let (report, partner, _, id) = try openedReportAndPartner()
        try seal.ok("share", "--bundle", "partner.json", "--org-fingerprint", partner.fingerprint,
                    "--report", report, "--out", "shared.seal")
        let opened = try seal.ok("open", "--key", "partner-keys/pat.seckey", "--relay-key", "relay.pub",
                                 "--out", "partner-case", "shared.seal")
        #expect(opened.stdout.contains("shared evidence from another organisation: original envelope \(id)"), "\(opened)")
        #expect(opened.stdout.contains("original receipt verified"), "\(opened)")

        let folder = try #require(seal.list("partner-case/thread-none").first { $0.hasPrefix("share-") })
        let path = "partner-case/thread-none/\(folder)"
        let manifest = try seal.json("\(path)/manifest.json")
        #expect(manifest["kind"] as? String == "share")
        #expect(manifest["message"] as? String == "우리는 여권을 빼앗겼다")
        #expect(manifest["fields"] as? [String: String] == ["shipment": "MSCU1234567"])
        #expect(manifest["reply"] == nil, "the partner gets no way to reach the source")
        let custody = try #require(manifest["custody"] as? [String: Any])
        #expect(custody["envelope"] as? String == id.description)
        let originals = try #require(custody["attachments"] as? [[String: String]])
        #expect(originals == [["name": "contract.txt", "sha256": try seal.sha256("contract.txt")],
                              ["name": "label.txt", "sha256": try seal.sha256("label.txt")]])
        #expect(try seal.sha256("\(path)/attachments/contract.txt") == (try seal.sha256("contract.txt")))
        let index = try #require(try JSONSerialization.jsonObject(with: seal.read("partner-case/index.json")) as? [[String: Any]])
        #expect(index.first?["kind"] as? String == "share")
        #expect((index.first?["original"] as? [String: Any])?["envelope"] as? String == id.description)
    }

    @Test func attachOnlyPassesOnTheNamedAttachmentAndTheCustodyStillListsEveryOriginal() throws {
        let (report, partner, _, _) = try openedReportAndPartner()
        try seal.ok("share", "--bundle", "partner.json", "--org-fingerprint", partner.fingerprint,
                    "--report", report, "--attach-only", "label.txt", "--out", "shared.seal")
        try seal.ok("open", "--key", "partner-keys/pat.seckey", "--out", "partner-case", "shared.seal")
        let folder = try #require(seal.list("partner-case/thread-none").first { $0.hasPrefix("share-") })
        #expect(seal.list("partner-case/thread-none/\(folder)/attachments") == ["label.txt"])
        let custody = try #require(try seal.json("partner-case/thread-none/\(folder)/manifest.json")["custody"] as? [String: Any])
        #expect((custody["attachments"] as? [Any])?.count == 2)
        expectUserError(try seal.run("share", "--bundle", "partner.json", "--org-fingerprint", partner.fingerprint,
                                     "--report", report, "--attach-only", "nope.txt", "--out", "x.seal"),
                        mentioning: ["nope.txt"])
        seal.expectNoEnvelope("x.seal")
    }

    @Test func aPartnerBundleThatFailsItsFingerprintIsRefused() throws {
        let (report, _, _, _) = try openedReportAndPartner()
        let stranger = try seal.makeOrg("stranger-org")
        let result = try seal.run("share", "--bundle", "partner.json", "--org-fingerprint", stranger.fingerprint,
                                  "--report", report, "--out", "shared.seal")
        expectUserError(result, mentioning: ["organisation"])
        seal.expectNoEnvelope("shared.seal")
    }

    @Test func aReportWhoseAttachmentChangedAfterOpenIsNotShared() throws {
        let (report, partner, _, _) = try openedReportAndPartner()
        let attachment = "\(report)/attachments/label.txt"
        try seal.write(attachment, Bytes.flip(try seal.read(attachment), at: 0))
        let result = try seal.run("share", "--bundle", "partner.json", "--org-fingerprint", partner.fingerprint,
                                  "--report", report, "--out", "shared.seal")
        expectUserError(result, mentioning: ["label.txt", "SHA-256"])
        seal.expectNoEnvelope("shared.seal")
    }
}
