import Foundation
import Testing

/// Epoch fixtures for the CLI tests (docs/FORMAT.md, "Epoch keys"): months computed here,
/// independently of SealCore, and the commands run as a reviewer and organisation would.
enum Month {
    /// The UTC month `offset` months from now, as "YYYY-MM".
    static func fromNow(_ offset: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(byAdding: .month, value: offset, to: Date())!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }
}

extension SealCLI {
    /// `seal epoch new` for the reviewer NAME (identity in keys/), files in keys/.
    @discardableResult
    func makeEpochs(_ name: String, start: String, months: Int, passphraseFile: String? = nil) throws -> RunResult {
        var args = ["epoch", "new", "--key", "keys/\(name).seckey", "--months", String(months), "--start", start, "--out", "keys"]
        if let passphraseFile { args += ["--passphrase-file", passphraseFile] } else { args.append("--no-passphrase") }
        return try ok(args)
    }

    /// `seal org bundle` with each reviewer's epochs file beside their identity.
    func signEpochBundle(_ org: TestOrg, reviewers: [String], epochsOf: [String], out: String = "bundle.json") throws {
        var args = ["org", "bundle", "--org-key", org.secretKey, "--relay-url", "https://127.0.0.1:8443",
                    "--valid-days", "30", "--out", out]
        for name in reviewers { args += ["--reviewer", "keys/\(name).pub"] }
        for name in epochsOf { args += ["--epochs", "keys/\(name).epochs.pub"] }
        try ok(args)
    }

    /// Starts `seal ARGUMENTS` without waiting, for tests that interrupt it; output is discarded.
    func start(_ arguments: [String]) throws -> Process {
        guard let binary = Self.binary else { throw SetupError("cannot find the seal executable; set SEAL_BIN") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = work
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The kid of a reviewer's epoch for `month`, from NAME.epochs.pub.
    func epochKid(_ name: String, _ month: String) throws -> String? {
        let epochs = try json("keys/\(name).epochs.pub")["epochs"] as? [[String: Any]] ?? []
        return epochs.first { $0["epoch"] as? String == month }?["kid"] as? String
    }

    /// The stanza kids of an envelope, read from its header JSON.
    func envelopeKids(_ envelope: String) throws -> [String] {
        let data = try read(envelope)
        let length = Bytes.headerLength(data)
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 10..<(10 + length))) as? [String: Any]
        let stanzas = header?["stanzas"] as? [[String: Any]] ?? []
        return stanzas.compactMap { $0["kid"] as? String }
    }
}
