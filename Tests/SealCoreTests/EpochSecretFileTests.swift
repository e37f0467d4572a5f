import Foundation
import SealTestSupport
import Testing
@testable import SealCore

/// docs/FORMAT.md §7.1-7.2: an epochs.seckey file keeps each month apart, so damage to one
/// month costs that month only, and retiring moves secrets out and kids into "retired".
@Suite("Epoch secret file")
final class EpochSecretFileTests {
    let dir = TemporaryDirectory()

    static func months(_ texts: [String]) throws -> [EpochMonth] { try texts.map { try #require(EpochMonth($0)) } }

    /// The encoded file with one entry's object changed by `edit`.
    static func damaged(_ file: EpochSecretFile, month: String, _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(file.encoded())) as? [String: Any])
        var entries = try #require(object["epochs"] as? [[String: Any]])
        let i = try #require(entries.firstIndex { $0["epoch"] as? String == month })
        edit(&entries[i])
        object["epochs"] = entries
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    @Test("an entry with a damaged secret fails alone; the other months still unlock")
    func damageStaysInItsMonth() throws {
        let (file, _) = try EpochSecretFile.empty(name: "alice").adding(months: Self.months(["2031-01", "2031-02"]), passphrase: nil)
        let bytes = try Self.damaged(file, month: "2031-01") { $0["x25519"] = "not base64url!" }
        let read = try EpochSecretFile(bytes: bytes)
        #expect(throws: EpochError.self) { try read.unlock(read.epochs[0], passphrase: { nil }) }
        let february = try read.unlock(read.epochs[1], passphrase: { nil })
        #expect(february.kid == read.epochs[1].kid)
    }

    @Test("an entry whose secrets belong to another kid is refused as damaged")
    func swappedSecretsAreRefused() throws {
        let (file, _) = try EpochSecretFile.empty(name: "alice").adding(months: Self.months(["2031-01", "2031-02"]), passphrase: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(file.encoded())) as? [String: Any])
        let entries = try #require(object["epochs"] as? [[String: Any]])
        let bytes = try Self.damaged(file, month: "2031-01") { $0["x25519"] = entries[1]["x25519"]; $0["xwing"] = entries[1]["xwing"] }
        let read = try EpochSecretFile(bytes: bytes)
        #expect(throws: EpochError.self) { try read.unlock(read.epochs[0], passphrase: { nil }) }
    }

    @Test("retiring keeps later months, damaged ones byte for byte, and lists the retired by epoch and kid")
    func retiringKeepsWhatItDoesNotRetire() throws {
        let (file, _) = try EpochSecretFile.empty(name: "alice").adding(months: Self.months(["2031-01", "2031-02", "2031-03"]), passphrase: nil)
        let bytes = try Self.damaged(file, month: "2031-03") { $0["xwing"] = "AAAA" }
        let path = dir.path + "/alice.epochs.seckey"
        try AtomicFile.write(bytes, to: path, mode: 0o600)
        let outcome = try EpochRetirement.retire(path: path, before: try #require(EpochMonth("2031-02")))
        #expect(outcome.retired.map(\.epoch.description) == ["2031-01"])
        let after = try EpochSecretFile.read(path: path)
        #expect(after.epochs.map(\.epoch.description) == ["2031-02", "2031-03"])
        #expect(after.retired.map(\.kid) == [file.epochs[0].kid])
        #expect(after.isRetired(file.epochs[0].kid))
        let text = String(decoding: try InputFile.readAll(path: path, limit: 1 << 20), as: UTF8.self)
        #expect(text.contains("\"xwing\":\"AAAA\""), "the damaged month is written back as it was")
        #expect(throws: EpochError.alreadyRetired("2031-01")) {
            try after.adding(months: Self.months(["2031-01"]), passphrase: nil)
        }
    }

    @Test("a file listing one month twice is refused")
    func duplicateMonth() throws {
        let (file, _) = try EpochSecretFile.empty(name: "alice").adding(months: Self.months(["2031-01", "2031-02"]), passphrase: nil)
        let bytes = try Self.damaged(file, month: "2031-02") { $0["epoch"] = "2031-01" }
        #expect(throws: EpochError.duplicateEpoch("2031-01")) { try EpochSecretFile(bytes: bytes) }
    }
}
