import Foundation
import SealCore
import Testing
@testable import SealRelay

/// docs/FORMAT.md §8-9 across processes: a source's fields reach the reviewer's index, the
/// relay's receipt travels from `seal submit` and `seal fetch` to `seal open`, verifies
/// against STATEDIR/relay.pub, and `seal verify` catches a flipped byte.
@Suite("Evidence end to end")
struct EvidenceEndToEndTests {
    @Test("fields reach the index, the receipt verifies end to end, and verify catches a flipped byte")
    func fieldsReceiptIndexVerify() async throws {
        let relay = try await TestRelay()
        let dir = relay.dir
        try AtomicFile.write(relay.reviewers[0].encoded(passphrase: nil), to: "\(dir)/alice.seckey", mode: 0o600)
        try AtomicFile.write(relay.credentials[0].encoded(passphrase: nil), to: "\(dir)/alice.fetch.seckey", mode: 0o600)
        try Data("Invoice 2291, 40 ft container MSCU1234567\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/invoice.txt"))
        let ca = "\(relay.stateDirectory)/tls/cert.pem"
        let relayPub = "\(relay.stateDirectory)/relay.pub"

        let (submitted, submitOutput) = try await EndToEndTests.seal([
            "submit", "--relay", relay.base, "--org-fingerprint", relay.org.fingerprint.hex, "--ca", ca,
            "--message", "우리는 여권을 빼앗겼다", "--attach", "\(dir)/invoice.txt", "--codename-file", "\(dir)/codename.txt",
            "--field", "employer=대한 수산", "--field", "shipment=MSCU1234567", "--receipt", "\(dir)/my-receipt.json"])
        #expect(submitted == 0, Comment(rawValue: submitOutput))
        let lines = submitOutput.split(separator: "\n").map(String.init)
        let id = try #require(lines.first { $0.hasPrefix("receipt: ") }).dropFirst("receipt: ".count)
        let day = try #require(lines.first { $0.hasPrefix("day: ") }).dropFirst("day: ".count)
        let kept = try #require(SignedReceipt.decode(Array(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/my-receipt.json")))))
        #expect(kept.receipt.description == id && kept.day == day)
        #expect(kept.isSigned(byAnyOf: [try SignedReceiptTests.relayPublicKey(relay)]))

        let (fetched, fetchOutput) = try await EndToEndTests.seal([
            "fetch", "--relay", relay.base, "--credential", "\(dir)/alice.fetch.seckey", "--ca", ca, "--out", "\(dir)/inbox"])
        #expect(fetched == 0, Comment(rawValue: fetchOutput))
        let fetchedReceipt = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/inbox/\(id).receipt.json"))
        #expect(SignedReceipt.decode(Array(fetchedReceipt)) == kept)

        let (opened, openOutput) = try await EndToEndTests.seal([
            "open", "--key", "\(dir)/alice.seckey", "--relay-key", relayPub, "--out", "\(dir)/case", "\(dir)/inbox"])
        #expect(opened == 0, Comment(rawValue: openOutput))
        #expect(openOutput.contains("\(id).seal: receipt verified (day \(day))"), Comment(rawValue: openOutput))
        let index = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/case/index.json"))) as? [[String: Any]])
        #expect(index.count == 1)
        #expect(index.first?["envelope"] as? String == String(id))
        #expect(index.first?["receipt"] as? String == "verified")
        #expect(index.first?["day"] as? String == String(day))
        #expect(index.first?["fields"] as? [String: String] == ["employer": "대한 수산", "shipment": "MSCU1234567"])

        let (verified, verifyOutput) = try await EndToEndTests.seal(["verify", "--relay-key", relayPub, "\(dir)/case"])
        #expect(verified == 0 && verifyOutput.contains("receipt verified"), Comment(rawValue: verifyOutput))
        let folder = try #require(index.first?["folder"] as? String)
        let attachment = "\(dir)/case/\(folder)/attachments/invoice.txt"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: attachment))
        bytes[bytes.startIndex + 8] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: attachment))
        let (caught, caughtOutput) = try await EndToEndTests.seal(["verify", "--relay-key", relayPub, "\(dir)/case"])
        #expect(caught == 1 && caughtOutput.contains("attachments/invoice.txt does not match"), Comment(rawValue: caughtOutput))
        await relay.stop()
    }
}
