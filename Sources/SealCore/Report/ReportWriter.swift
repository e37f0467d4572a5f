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

/// Lays out a report's plaintext (DESIGN §3): u32 manifest length, manifest, file bytes,
/// zero padding. It streams files from disk and re-hashes them on the way, so a file that
/// changes between hashing and sending is caught here instead of by the reviewer.
public struct ReportWriter: PlaintextSource {
    public let manifest: Manifest
    /// The padded plaintext length, which the envelope writer needs up front.
    public let length: Int
    private let prefix: [UInt8]
    private let attachments: [Attachment]
    private var prefixOffset = 0
    private var fileIndex = 0
    private var current: InputFile?
    private var currentHash = SHA256()
    private var currentRemaining = 0
    private var written = 0

    public init(kind: Manifest.Kind, message: String, attachments: [Attachment],
                reply: Manifest.Reply?, thread: String?, client: String = Manifest.cliClient) throws {
        var files: [Manifest.File] = []
        for a in attachments {
            let (size, digest) = try Self.measure(a.path)
            files.append(.init(name: a.name, type: a.type, size: size, sha256: digest))
        }
        let unscrubbed = attachments.filter(\.unscrubbed).map(\.name)
        let manifest = Manifest(
            kind: kind, message: message, files: files,
            scrubbed: attachments.filter { !$0.unscrubbed }.map { .init(name: $0.name, removed: $0.removed) },
            unscrubbed: unscrubbed.isEmpty ? nil : unscrubbed, reply: reply, thread: thread, client: client)
        let encoded = try manifest.encoded()
        guard encoded.count <= Manifest.maxEncodedSize else {
            throw ReportError.malformedManifest("the message is too long (over \(Manifest.maxEncodedSize >> 20) MiB)")
        }
        self.manifest = manifest
        self.prefix = EnvelopeWriter.u32(encoded.count) + encoded
        self.attachments = attachments
        self.length = Padme.reportLength(unpadded: prefix.count + files.reduce(0) { $0 + $1.size })
    }

    static func measure(_ path: String) throws -> (Int, String) {
        let file = try InputFile(path: path)
        var hash = SHA256()
        var size = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
            if n == 0 { break }
            hash.update(data: buffer[0..<n])
            size += n
        }
        return (size, Hex.encode(hash.finalize()))
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
            written += n
        }
        return filled
    }

    private mutating func readSome(into space: UnsafeMutableRawBufferPointer) throws -> Int {
        if prefixOffset < prefix.count {
            let n = min(space.count, prefix.count - prefixOffset)
            prefix.withUnsafeBytes { space.baseAddress!.copyMemory(from: $0.baseAddress! + prefixOffset, byteCount: n) }
            prefixOffset += n
            return n
        }
        while fileIndex < attachments.count {
            if current == nil {
                current = try InputFile(path: attachments[fileIndex].path)
                currentHash = SHA256()
                currentRemaining = manifest.files[fileIndex].size
            }
            if currentRemaining > 0, let file = current {
                let want = UnsafeMutableRawBufferPointer(rebasing: space[0..<min(space.count, currentRemaining)])
                let n = try file.read(into: want)
                guard n > 0 else { throw ReportError.fileChanged(attachments[fileIndex].path) }
                currentHash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: want[0..<n]))
                currentRemaining -= n
                return n
            }
            // End of this file: it must be exactly as long and the same as when measured.
            let extra = try current?.read(upTo: 1) ?? []
            guard extra.isEmpty, Hex.encode(currentHash.finalize()) == manifest.files[fileIndex].sha256 else {
                throw ReportError.fileChanged(attachments[fileIndex].path)
            }
            current = nil
            fileIndex += 1
        }
        let n = min(space.count, length - written)
        guard n > 0 else { return 0 }
        space.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0, count: n)
        return n
    }
}
