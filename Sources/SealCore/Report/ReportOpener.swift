import Foundation

/// Opens report and reply envelopes into a reviewer's (or source's) folder tree:
/// `OUT/thread-<id>/<kind>-<id>/` with `message.txt`, `manifest.json` and `attachments/`.
/// A folder appears only complete; opening the same envelope twice changes nothing.
public enum ReportOpener {
    public struct Opened: Sendable {
        public let folder: String
        public let manifest: Manifest
        public let alreadyOpened: Bool
        /// The id of the bytes that were opened, hashed as they were read.
        public let envelope: EnvelopeID
    }

    /// Where each attachment of `manifest` is inside an opened report folder.
    public static func attachmentPaths(in folder: String, for manifest: Manifest) -> [String] {
        AttachmentName.savedNames(for: manifest.files.map(\.name)).map { "\(folder)/attachments/\($0)" }
    }

    public static func open(envelope path: String, key: some EnvelopeDecryptionKey, into outDir: String,
                            progress: ((Int, Int) -> Void)? = nil) throws -> Opened {
        let file = try InputFile(path: path)
        let size = try file.size()
        try FileSystem.makePrivateDirectory(outDir)
        let staging = "\(outDir)/.opening-\(Hex.encode(Sodium.randomBytes(8)))"
        try FileSystem.makePrivateDirectory(staging)
        var committed = false
        defer { if !committed { try? FileManager.default.removeItem(atPath: staging) } }

        var reader = ReportReader(folder: staging)
        let hash = BackgroundSHA256()
        let head = try EnvelopeReader.open(file, with: key, into: &reader, hashingInto: hash, progress: { done in
            progress?(done, size)
        })
        let envelope = EnvelopeID(digest: hash.finalize())
        guard let manifest = reader.manifest else { throw ReportError.malformedManifest("missing") }

        let threadFolder = "\(outDir)/thread-\(manifest.thread ?? "none")"
        // The header MAC is unique to this envelope (it depends on its random file key), so
        // it names the folder without any clock or counter.
        let final = "\(threadFolder)/\(manifest.kind.rawValue)-\(Hex.encode(head.mac.prefix(8)))"
        if FileManager.default.fileExists(atPath: final) {
            return Opened(folder: final, manifest: manifest, alreadyOpened: true, envelope: envelope)
        }
        try FileSystem.makePrivateDirectory(threadFolder)
        try FileSystem.syncAll(containing: staging)
        guard rename(staging, final) == 0 else { throw FileError.posix("cannot move the report into", final) }
        committed = true
        try FileSystem.syncDirectory(threadFolder)
        return Opened(folder: final, manifest: manifest, alreadyOpened: false, envelope: envelope)
    }
}
