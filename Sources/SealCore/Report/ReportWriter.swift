import Crypto
import Foundation

/// One file going into a report, after scrubbing.
public struct Attachment: Sendable {
    /// Where the bytes to send are (the scrubbed copy, if scrubbing changed anything).
    public let path: String
    /// The name the reviewer will see: the original file's base name.
    public let name: String
    public let type: String
    /// What scrubbing removed, in plain words.
    public let removed: [String]
    /// True when the source chose to send the file without cleaning.
    public let unscrubbed: Bool

    public init(path: String, name: String, type: String, removed: [String], unscrubbed: Bool) {
        self.path = path
        self.name = name
        self.type = type
        self.removed = removed
        self.unscrubbed = unscrubbed
    }
}

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
    private let files: [InputFile]
    private let stamps: [InputFile.Stamp]
    private let prefixLength: Int

    public init(kind: Manifest.Kind, message: String, attachments: [Attachment],
                reply: Manifest.Reply?, thread: String?, client: String = Manifest.cliClient) throws {
        let files = try attachments.map { try InputFile(path: $0.path) }
        let stamps = try files.map { try $0.stamp() }
        let unscrubbed = attachments.filter(\.unscrubbed).map(\.name)
        let manifest = Manifest(
            kind: kind, message: message,
            files: zip(attachments, stamps).map { .init(name: $0.name, type: $0.type, size: $1.size, sha256: Self.placeholder) },
            scrubbed: attachments.filter { !$0.unscrubbed }.map { .init(name: $0.name, removed: $0.removed) },
            unscrubbed: unscrubbed.isEmpty ? nil : unscrubbed, reply: reply, thread: thread, client: client)
        let encoded = try manifest.encoded()
        guard encoded.count <= Manifest.maxEncodedSize else {
            throw ReportError.malformedManifest("the message is too long (over \(Manifest.maxEncodedSize >> 20) MiB)")
        }
        self.manifest = manifest
        self.attachments = attachments
        self.files = files
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
        for (index, file) in files.enumerated() {
            let path = attachments[index].path
            let hash = BackgroundSHA256()
            try file.seek(to: 0)
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
        try body.sealHead(EnvelopeWriter.u32(encoded.count) + encoded)
    }
}

/// Cuts the bytes after the manifest into chunks: those that share a chunk with the
/// manifest are held back; every later chunk is sealed as soon as it is full.
private struct BodySealer {
    let writer: EnvelopeWriter
    let prefixLength: Int
    let progress: ((Int) -> Void)?
    /// Chunks holding manifest bytes, sealed last.
    let headChunks: Int
    /// Plaintext offset where the first immediately sealed chunk starts.
    let headEnd: Int
    private var held: [UInt8] = []
    private var chunk: [UInt8] = []
    private var nextChunk: Int
    private var position: Int

    init(writer: EnvelopeWriter, prefixLength: Int, progress: ((Int) -> Void)?) {
        self.writer = writer
        self.prefixLength = prefixLength
        self.progress = progress
        headChunks = min(writer.chunkCount, (prefixLength + EnvelopeFormat.chunkSize - 1) / EnvelopeFormat.chunkSize)
        headEnd = writer.range(ofChunk: headChunks - 1).upperBound
        nextChunk = headChunks
        position = prefixLength
        chunk.reserveCapacity(EnvelopeFormat.chunkSize)
    }

    /// Reads up to `limit` bytes of `file` straight into the held bytes or the chunk being
    /// filled (no intermediate copy), hashes them, and seals the chunk when it is full.
    mutating func fill(from file: InputFile, upTo limit: Int, hashInto hash: BackgroundSHA256) throws -> Int {
        if position < headEnd {
            let want = min(headEnd - position, limit)
            let bytes = try file.read(upTo: want)
            bytes.withUnsafeBytes { hash.update($0) }
            try bytes.withUnsafeBytes { try append($0) }
            return bytes.count
        }
        let size = writer.range(ofChunk: nextChunk).count
        let filled = chunk.count
        let want = min(size - filled, limit)
        chunk.append(contentsOf: repeatElement(0, count: want))
        let n = try chunk.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled..<(filled + want)])) }
        chunk.removeLast(want - n)
        chunk.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[filled..<(filled + n)])) }
        position += n
        try sealIfFull()
        return n
    }

    private mutating func sealIfFull() throws {
        guard chunk.count == writer.range(ofChunk: nextChunk).count else { return }
        try chunk.withUnsafeBytes { try writer.seal(chunk: nextChunk, $0) }
        progress?(writer.range(ofChunk: nextChunk).upperBound)
        chunk.removeAll(keepingCapacity: true)
        nextChunk += 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes[...]
        if position < headEnd {
            let n = min(headEnd - position, rest.count)
            held += rest.prefix(n)
            rest = rest.dropFirst(n)
            position += n
        }
        while !rest.isEmpty {
            let size = writer.range(ofChunk: nextChunk).count
            let n = min(size - chunk.count, rest.count)
            chunk += rest.prefix(n)
            rest = rest.dropFirst(n)
            position += n
            try sealIfFull()
        }
    }

    mutating func appendZeros(upTo length: Int) throws {
        let zeros = [UInt8](repeating: 0, count: EnvelopeFormat.chunkSize)
        while position < length {
            try zeros.withUnsafeBytes { try append(UnsafeRawBufferPointer(rebasing: $0[0..<min($0.count, length - position)])) }
        }
    }

    /// Seals the held-back chunks once the manifest is final.
    func sealHead(_ prefix: [UInt8]) throws {
        let head = prefix + held
        guard prefix.count == prefixLength, head.count == headEnd else {
            throw ReportError.malformedManifest("report layout changed while sealing")
        }
        try head.withUnsafeBytes { bytes in
            for index in 0..<headChunks {
                try writer.seal(chunk: index, UnsafeRawBufferPointer(rebasing: bytes[writer.range(ofChunk: index)]))
            }
        }
        progress?(writer.length)
    }
}
