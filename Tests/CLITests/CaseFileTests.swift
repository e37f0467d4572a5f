import Foundation
import SealCore
import Testing

/// docs/FORMAT.md §8-9: `seal open` keeps each report's custody (envelope id, relay
/// receipt), judges receipts against relay keys, keeps `index.json` and `index.csv` beside
/// the thread folders, and `seal verify` re-checks what was opened.
@Suite("Case file: receipts, index and verify")
final class CaseFileTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    /// A relay key as `sealrelayd init` writes it, saved as `NAME.pub`.
    func relayKey(_ name: String) throws -> SigningKey {
        let key = try SigningKey.generate(.relay)
        try seal.write("\(name).pub", Data(try key.encodedPublic()))
        return key
    }

    /// Encrypts a report into `inbox/NAME.seal`; with `signer`, the receipt a relay would
    /// have given for it is saved beside it as `seal fetch` saves it.
    @discardableResult
    func envelope(_ org: TestOrg, _ name: String, fields: [String] = [], signer: SigningKey? = nil) throws -> EnvelopeID {
        let out = "inbox/\(name).seal"
        try FileManager.default.createDirectory(atPath: seal.path("inbox"), withIntermediateDirectories: true)
        let result = try seal.encrypt(org, out: out, ["--message", "report \(name)"] + fields.flatMap { ["--field", $0] })
        guard result.status == 0 else { throw CLIFailure(result: result) }
        let id = try EnvelopeID.of(file: seal.path(out))
        if let signer {
            try seal.write("inbox/\(name).receipt.json", Data(try SignedReceipt.sign(id, with: signer).encoded()))
        }
        return id
    }

    func index(_ out: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: seal.read("\(out)/index.json")) as? [[String: Any]])
    }

    func receiptStatus(_ out: String, envelope: EnvelopeID) throws -> String? {
        try index(out).first { $0["envelope"] as? String == envelope.description }?["receipt"] as? String
    }

    @Test func aReceiptSignedByAGivenRelayKeyIsVerifiedInTheOutputAndTheIndex() throws {
        let org = try seal.makeWorld()
        let relay = try relayKey("relay")
        let id = try envelope(org, "a", signer: relay)
        let result = try seal.ok("open", "--key", "keys/alice.seckey", "--relay-key", "relay.pub", "--out", "out", "inbox")
        #expect(result.stdout.contains("inbox/a.seal: receipt verified (day "), "\(result)")
        #expect(try receiptStatus("out", envelope: id) == "verified")
        let row = try #require(try index("out").first)
        #expect(row["day"] as? String == (try SignedReceipt.sign(id, with: relay)).day)
    }

    @Test func aReceiptWithABadSignatureOrFromAnUnknownRelayKeyIsInvalid() throws {
        let org = try seal.makeWorld()
        let relay = try relayKey("relay")
        let stranger = try relayKey("stranger")
        let forged = try envelope(org, "forged", signer: relay)
        var receipt = try seal.json("inbox/forged.receipt.json")
        let sig = try #require(receipt["sig"] as? String)
        receipt["sig"] = (sig.first == "A" ? "B" : "A") + sig.dropFirst()
        try seal.write("inbox/forged.receipt.json", try JSONSerialization.data(withJSONObject: receipt))
        let unknown = try envelope(org, "unknown", signer: stranger)

        let result = try seal.ok("open", "--key", "keys/alice.seckey", "--relay-key", "relay.pub", "--out", "out", "inbox")
        #expect(result.stdout.contains("inbox/forged.seal: receipt invalid"), "\(result)")
        #expect(result.stdout.contains("inbox/unknown.seal: receipt invalid"), "\(result)")
        #expect(try receiptStatus("out", envelope: forged) == "invalid")
        #expect(try receiptStatus("out", envelope: unknown) == "invalid")
        let row = try #require(try seal.text("out/index.csv").split(separator: "\r\n").first { $0.contains(forged.description) })
        #expect(row.contains(",invalid,"), "\(row)")
    }

    @Test func aReceiptForOtherBytesIsInvalid() throws {
        let org = try seal.makeWorld()
        let relay = try relayKey("relay")
        let id = try envelope(org, "a")
        try envelope(org, "b", signer: relay)
        // b's receipt, kept beside a: it names b's bytes, not a's.
        try seal.write("inbox/a.receipt.json", try seal.read("inbox/b.receipt.json"))
        try seal.ok("open", "--key", "keys/alice.seckey", "--relay-key", "relay.pub", "--out", "out", "inbox")
        #expect(try receiptStatus("out", envelope: id) == "invalid")
    }

    @Test func withoutAReceiptTheReportIsMissingAndWithoutRelayKeysUnchecked() throws {
        let org = try seal.makeWorld()
        let relay = try relayKey("relay")
        let none = try envelope(org, "none")
        let some = try envelope(org, "some", signer: relay)
        let result = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "inbox")
        #expect(result.stdout.contains("inbox/none.seal: receipt missing"), "\(result)")
        #expect(result.stdout.contains("inbox/some.seal: receipt unchecked"), "\(result)")
        #expect(try receiptStatus("out", envelope: none) == "missing")
        #expect(try receiptStatus("out", envelope: some) == "unchecked")
    }

    @Test func openingTheSameInboxTwiceLeavesOneRowPerReportWithItsFieldsAndHashes() throws {
        let org = try seal.makeWorld()
        try seal.write("contract.txt", "clause 7: passports held\n")
        try FileManager.default.createDirectory(atPath: seal.path("inbox"), withIntermediateDirectories: true)
        try seal.ok("encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint, "--message", "m",
                    "--attach", "contract.txt", "--field", "employer=대한 수산", "--field", "buyer=上海贸易有限公司",
                    "--out", "inbox/a.seal")
        try envelope(org, "b", fields: ["shipment=MSCU1234567"])
        for _ in 0..<2 { try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "inbox") }

        let rows = try index("out")
        #expect(rows.count == 2)
        let a = try #require(rows.first { ($0["fields"] as? [String: String])?["employer"] != nil })
        #expect(a["fields"] as? [String: String] == ["employer": "대한 수산", "buyer": "上海贸易有限公司"])
        #expect(a["kind"] as? String == "report")
        let files = try #require(a["attachments"] as? [[String: Any]])
        #expect(files.count == 1 && files[0]["name"] as? String == "contract.txt")
        #expect(files[0]["sha256"] as? String == (try seal.sha256("contract.txt")))

        let csv = try seal.read("out/index.csv")
        #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 byte-order mark first")
        let lines = String(decoding: csv.dropFirst(3), as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count == 3)
        #expect(lines[0] == "thread,envelope,day,receipt,kind,workplace,location,employer,buyer,product,label,dates,shipment,attachments,folder")
        let hash = try seal.sha256("contract.txt")
        #expect(lines.contains { $0.contains(",대한 수산,上海贸易有限公司,") && $0.contains("contract.txt \(hash)") })
        #expect(lines.contains { $0.contains(",MSCU1234567,") })
    }

    @Test func anIndexEditedByHandOrTruncatedIsRebuiltFromTheReportFolders() throws {
        let org = try seal.makeWorld()
        try envelope(org, "a", fields: ["label=Ocean Gold"])
        try envelope(org, "b")
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "inbox")
        let json = try seal.read("out/index.json")
        let csv = try seal.read("out/index.csv")

        try seal.write("out/index.json", Data(json.prefix(40)))
        try seal.write("out/index.csv", "thread,envelope\r\nmade up,row\r\n")
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "inbox/a.seal")
        #expect(try seal.read("out/index.json") == json)
        #expect(try seal.read("out/index.csv") == csv)
    }

    @Test func aCSVCellThatASpreadsheetWouldRunAsAFormulaIsWrittenAsText() throws {
        let org = try seal.makeWorld()
        try envelope(org, "a", fields: ["label==HYPERLINK(\"http://x\",\"y\")"])
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "inbox")
        let csv = try seal.text("out/index.csv")
        #expect(csv.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","), Comment(rawValue: csv))
    }

    @Test func verifyPassesOnAnUntouchedCaseFileAndNamesAnAttachmentWithAFlippedByte() throws {
        let org = try seal.makeWorld()
        let relay = try relayKey("relay")
        try seal.write("photo.txt", "label: Ocean Gold, lot 4471\n")
        try FileManager.default.createDirectory(atPath: seal.path("inbox"), withIntermediateDirectories: true)
        try seal.ok("encrypt", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint, "--message", "m",
                    "--attach", "photo.txt", "--out", "inbox/a.seal")
        let id = try EnvelopeID.of(file: seal.path("inbox/a.seal"))
        try seal.write("inbox/a.receipt.json", Data(try SignedReceipt.sign(id, with: relay).encoded()))
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "inbox")

        let clean = try seal.ok("verify", "--relay-key", "relay.pub", "out")
        #expect(clean.stdout.contains("ok (1 attachment(s), receipt verified)"), "\(clean)")

        let folder = try #require(seal.reportFolders(in: "out").first)
        let attachment = "\(folder)/attachments/photo.txt"
        try seal.write(attachment, Bytes.flip(try seal.read(attachment), at: 3))
        let caught = try seal.run("verify", "--relay-key", "relay.pub", "out")
        #expect(caught.status == 1, "\(caught)")
        #expect(caught.stderr.contains("attachments/photo.txt does not match"), "\(caught)")
    }

    @Test func verifyNamesAReceiptThatNoLongerMatchesItsEnvelope() throws {
        let org = try seal.makeWorld()
        let relay = try relayKey("relay")
        try envelope(org, "a", signer: relay)
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "inbox")
        let folder = try #require(seal.reportFolders(in: "out").first)
        var custody = try seal.json("\(folder)/custody.json")
        var receipt = try #require(custody["receipt"] as? [String: Any])
        receipt["day"] = "2020-01-01"
        custody["receipt"] = receipt
        try seal.write("\(folder)/custody.json", try JSONSerialization.data(withJSONObject: custody))
        let caught = try seal.run("verify", "--relay-key", "relay.pub", "out")
        #expect(caught.status == 1, "\(caught)")
        #expect(caught.stderr.contains("custody.json is not a valid receipt"), "\(caught)")
    }

    @Test func aBundleSignedWithRelayKeysChecksReceiptsWhenGivenToOpen() throws {
        let org = try seal.makeWorld()
        let relay = try relayKey("relay")
        let stranger = try relayKey("stranger")
        try seal.ok("org", "bundle", "--org-key", org.secretKey, "--reviewer", "keys/alice.pub",
                    "--relay-url", "https://127.0.0.1:8443", "--relay-key", "relay.pub", "--out", "bundle.json")
        #expect(try seal.json("bundle.json")["v"] as? Int == 2, "relay keys make a v2 bundle")
        // Sources still encrypt to it.
        let good = try envelope(org, "good", signer: relay)
        let other = try envelope(org, "other", signer: stranger)

        let result = try seal.ok("open", "--key", "keys/alice.seckey", "--bundle", "bundle.json",
                                 "--org-fingerprint", org.fingerprint, "--out", "out", "inbox")
        #expect(result.stdout.contains("inbox/good.seal: receipt verified"), "\(result)")
        #expect(result.stdout.contains("inbox/other.seal: receipt invalid"), "\(result)")
        #expect(try receiptStatus("out", envelope: good) == "verified")
        #expect(try receiptStatus("out", envelope: other) == "invalid")
        let verified = try seal.run("verify", "--bundle", "bundle.json", "--org-fingerprint", org.fingerprint, "out")
        #expect(verified.status == 1 && verified.stderr.contains("not a valid receipt"), "\(verified)")
    }

    @Test func aBundleThatFailsThePinnedFingerprintIsRefusedBeforeAnythingIsOpened() throws {
        let org = try seal.makeWorld()
        let other = try seal.makeOrg("other-org")
        try envelope(org, "a")
        let result = try seal.run("open", "--key", "keys/alice.seckey", "--bundle", "bundle.json",
                                  "--org-fingerprint", other.fingerprint, "--out", "out", "inbox")
        expectUserError(result, mentioning: ["bundle.json"])
        seal.expectNothingOpened(in: "out")
        expectUsageError(try seal.run("open", "--key", "keys/alice.seckey", "--bundle", "bundle.json", "--out", "out", "inbox"),
                         mentioning: ["--org-fingerprint"])
    }
}
