import Foundation
import Testing

/// docs/FORMAT.md §4 "fields": structured testimony travels in the manifest, each value at
/// most 2 KiB of UTF-8 with no control characters; a bad one is refused whole (exit 1),
/// never cut.
@Suite("Structured fields")
final class EvidenceFieldTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    @Test func fieldsGivenToEncryptReachTheOpenedManifestAndFieldsFile() throws {
        let org = try seal.makeWorld()
        let result = try seal.encrypt(org, out: "r.seal", [
            "--message", "m", "--field", "employer=대한 수산 주식회사", "--field", "shipment=MSCU1234567",
            "--field", "product=冷冻虾仁 = frozen shrimp"])
        #expect(result.status == 0, "\(result)")
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "r.seal")
        let folder = try #require(seal.reportFolders(in: "out").first)
        let fields = try #require(try seal.json("\(folder)/manifest.json")["fields"] as? [String: String])
        #expect(fields == ["employer": "대한 수산 주식회사", "shipment": "MSCU1234567", "product": "冷冻虾仁 = frozen shrimp"])
        #expect(try seal.text("\(folder)/fields.txt")
                == "employer: 대한 수산 주식회사\nproduct: 冷冻虾仁 = frozen shrimp\nshipment: MSCU1234567\n")
    }

    @Test func aFieldOfExactly2KiBIsAcceptedAndOneByteMoreIsRefusedWithExit1() throws {
        let org = try seal.makeWorld()
        // 682 three-byte Hangul syllables and 2 ASCII bytes: 2048 bytes of UTF-8.
        let exact = String(repeating: "가", count: 682) + "ab"
        #expect(try seal.encrypt(org, out: "ok.seal", ["--message", "m", "--field", "workplace=\(exact)"]).status == 0)
        let over = try seal.encrypt(org, out: "over.seal", ["--message", "m", "--field", "workplace=\(exact)c"])
        expectUserError(over, mentioning: ["workplace", "2049", "2048"])
        seal.expectNoEnvelope("over.seal")
    }

    @Test func aFieldWithAControlCharacterIsRefusedWithExit1() throws {
        let org = try seal.makeWorld()
        for bad in ["line one\nline two", "tab\there", "bidi \u{202E}gpj.exe", "bell\u{07}"] {
            let result = try seal.encrypt(org, out: "r.seal", ["--message", "m", "--field", "label=\(bad)"])
            expectUserError(result, mentioning: ["label", "control"])
            seal.expectNoEnvelope("r.seal")
        }
    }

    @Test func anUnknownFieldKeyOrAMissingEqualsSignIsRefusedWithExit1() throws {
        let org = try seal.makeWorld()
        expectUserError(try seal.encrypt(org, out: "r.seal", ["--message", "m", "--field", "salary=0"]),
                        mentioning: ["salary", "workplace"])
        expectUserError(try seal.encrypt(org, out: "r.seal", ["--message", "m", "--field", "shipment"]),
                        mentioning: ["KEY=VALUE"])
        expectUserError(try seal.encrypt(org, out: "r.seal", ["--message", "m", "--field", "dates=May",
                                                               "--field", "dates=June"]),
                        mentioning: ["twice"])
        seal.expectNoEnvelope("r.seal")
    }

    @Test func submitRefusesABadFieldBeforeContactingAnyRelay() throws {
        let org = try seal.makeWorld()
        // Port 9 on loopback: nothing listens, so reaching the network would fail differently.
        let result = try seal.run(["submit", "--relay", "https://127.0.0.1:9", "--org-fingerprint", org.fingerprint,
                                   "--message", "m", "--field", "buyer=\(String(repeating: "x", count: 2049))"])
        expectUserError(result, mentioning: ["buyer", "2048"])
    }
}
