import Crypto
import Foundation

/// Lays out a report's plaintext (docs/FORMAT.md §3-4): u32 manifest length, manifest, file bytes,
/// zero padding; and seals it.
///
/// The manifest comes first but holds each file's SHA-256, known only once the file has
/// been read. Re-reading every attachment would double the work, so the writer reads each
/// file once: it hashes on another core while it seals the chunks that hold only file bytes
/// and padding, keeps the few bytes that share a chunk with the manifest, and seals that
/// first chunk last. STREAM's nonces are chunk indices, so the order of sealing is free.
/// A file that changes while it is read (size or change time) is refused.
public struct ReportWriter {
    /// Before `seal`, the SHA-256 fields are placeholders of the final length.
    public private(set) var manifest: Manifest
    /// The padded plaintext length.
    public let length: Int
    private let attachments: [Attachment]
    /// What each file was when the manifest was planned; a file is opened again, one at a
    /// time, when it is sealed, so thousands of attachments never hold thousands of
    /// descriptors.
    private let stamps: [InputFile.Stamp]
    private let prefixLength: Int

    public init(kind: Manifest.Kind, message: String, attachments: [Attachment],
                reply: Manifest.Reply?, thread: String?, client: String = Manifest.cliClient,
                fields: [String: String] = [:], custody: ShareCustody? = nil) throws {
        guard attachments.count <= Manifest.maxFiles else { throw ReportError.tooManyFiles(attachments.count) }
        let stamps = try attachments.map { try InputFile(path: $0.path).stamp() }
        let unscrubbed = attachments.filter(\.unscrubbed).map(\.name)
        let manifest = Manifest(
            kind: kind, message: message,
            files: zip(attachments, stamps).map { .init(name: $0.name, type: $0.type, size: $1.size, sha256: Self.placeholder) },
            scrubbed: attachments.filter { !$0.unscrubbed }.map { .init(name: $0.name, removed: $0.removed) },
            unscrubbed: unscrubbed.isEmpty ? nil : unscrubbed, reply: reply, thread: thread, client: client,
            fields: try ReportFields.checked(fields), custody: custody)
        let encoded = try manifest.encoded()
        guard encoded.count <= Manifest.maxEncodedSize else {
            throw ReportError.malformedManifest("the message is too long (over \(Manifest.maxEncodedSize >> 20) MiB)")
        }
        self.manifest = manifest
        self.attachments = attachments
        self.stamps = stamps
        self.prefixLength = 4 + encoded.count
        self.length = Padme.reportLength(unpadded: prefixLength + stamps.reduce(0) { $0 + $1.size })
    }

    static let placeholder = String(repeating: "0", count: 64)

    /// Seals the report to `recipients`; `progress` gets plaintext bytes done so far.
    public mutating func seal(to recipients: [EnvelopeRecipient], suite: EnvelopeSuite, bundleID: String,
                              into output: any EnvelopeOutput, progress: ((Int) -> Void)? = nil) throws {
        let writer = try EnvelopeWriter(length: length, to: recipients, suite: suite, bundleID: bundleID, into: output)
        var body = BodySealer(writer: writer, prefixLength: prefixLength, progress: progress)
        var hashes: [String] = []
        for (index, attachment) in attachments.enumerated() {
            let path = attachment.path
            let file = try InputFile(path: path)
            guard try file.stamp() == stamps[index] else { throw ReportError.fileChanged(path) }
            let hash = BackgroundSHA256()
            var remaining = stamps[index].size
            while remaining > 0 {
                let n = try body.fill(from: file, upTo: remaining, hashInto: hash)
                guard n > 0 else { throw ReportError.fileChanged(path) }
                remaining -= n
            }
            guard try file.read(upTo: 1).isEmpty, try file.stamp() == stamps[index] else {
                throw ReportError.fileChanged(path)
            }
            hashes.append(hash.finalizeHex())
        }
        try body.appendZeros(upTo: length)

        for i in manifest.files.indices { manifest.files[i].sha256 = hashes[i] }
        let encoded = try manifest.encoded()
        // Hex digests have the placeholder's length, so every offset computed above holds.
        guard 4 + encoded.count == prefixLength else { throw ReportError.malformedManifest("manifest length changed") }
        try body.sealHead(BigEndianReader.bytes(of: encoded.count, width: 4) + encoded)
    }
}
