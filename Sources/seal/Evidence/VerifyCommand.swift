import ArgumentParser
import Foundation
import SealCore

/// `seal verify DIR`: re-checks a case file made by `seal open` (docs/FORMAT.md §9): every
/// attachment against the size and SHA-256 its manifest gives, and every kept receipt
/// against its envelope id and, when relay keys are given, the relay's signature. What
/// does not match is named, one line each, and the exit status is 1.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-check the attachments and relay receipts of opened reports.",
        discussion: """
            DIR is the folder given to `seal open --out`, or one report folder in it. Without \
            --relay-key a receipt is checked against its envelope id only, and shown as unchecked.
            """)

    @OptionGroup var evidence: EvidenceOptions
    @Argument(help: "The folder `seal open` wrote, or one report folder in it.") var dir: String

    func run() throws {
        let relayKeys = try evidence.relayKeys()
        guard FileSystem.isDirectory(dir) else { throw CLIError("\(dir) is not a folder") }
        let folders: [String]
        if FileManager.default.fileExists(atPath: "\(dir)/manifest.json") {
            folders = [dir]
        } else {
            folders = CaseIndex.entries(in: dir, relayKeys: nil).map { "\(dir)/\($0.folder)" }
        }
        if folders.isEmpty { throw CLIError("\(dir) holds no opened reports") }
        var problems = 0
        for folder in folders {
            let found = Self.problems(in: folder, relayKeys: relayKeys)
            for line in found.problems { Terminal.error("\(folder): \(line)") }
            problems += found.problems.count
            if found.problems.isEmpty {
                print("\(folder): ok (\(found.attachments) attachment(s), receipt \(found.receipt.rawValue))")
            }
        }
        if problems > 0 {
            throw CLIError("\(problems) problem(s) in \(folders.count) report(s): the files above do not match what was received")
        }
        print("verified \(folders.count) report(s)")
    }

    /// Everything in one report folder that does not match.
    static func problems(in folder: String, relayKeys: [[UInt8]]?) -> (problems: [String], attachments: Int, receipt: ReceiptStatus) {
        guard let bytes = try? InputFile.readAll(path: "\(folder)/manifest.json", limit: Manifest.maxEncodedSize * 2),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else {
            return (["manifest.json is missing or is not a manifest"], 0, .missing)
        }
        var problems: [String] = []
        for (file, path) in zip(manifest.files, ReportOpener.attachmentPaths(in: folder, for: manifest)) {
            let name = "attachments/\((path as NSString).lastPathComponent)"
            guard let digest = try? FileDigest.sha256Hex(ofFile: path) else {
                problems.append("\(name) is missing or unreadable")
                continue
            }
            let (hex, size) = digest
            if size != file.size || hex != file.sha256 {
                problems.append("\(name) does not match: SHA-256 \(hex) (\(size) bytes), the report says \(file.sha256) (\(file.size) bytes)")
            }
        }
        var status = ReceiptStatus.missing
        if manifest.kind != .reply {
            if FileManager.default.fileExists(atPath: ReportCustody.path(in: folder)) {
                if let custody = ReportCustody.read(folder: folder) {
                    status = ReceiptStatus.of(custody.receipt, envelope: custody.envelope, relayKeys: relayKeys)
                    if status == .invalid {
                        problems.append("the relay receipt in \(ReportCustody.fileName) is not a valid receipt for envelope \(custody.envelope)")
                    }
                } else {
                    problems.append("\(ReportCustody.fileName) is damaged")
                }
            }
        }
        return (problems, manifest.files.count, status)
    }
}
