import Crypto
import Foundation

/// Opens an envelope (docs/FORMAT.md §3-4): finds the caller's stanza, unwraps the file key, checks
/// the header MAC, then streams authenticated plaintext into a sink 64 KiB at a time.
public enum EnvelopeReader {
    public static func open(
        _ file: InputFile, with key: some EnvelopeDecryptionKey, into sink: inout some PlaintextSink,
        progress: ((Int) -> Void)? = nil
    ) throws -> EnvelopeHead {
        try open(file, with: key, into: &sink, hashingInto: nil, progress: progress)
    }

    /// - Parameter hash: gets every byte of the envelope as it is read, so its id comes
    ///   from the very bytes that were opened, without reading the file again.
    static func open(
        _ file: InputFile, with key: some EnvelopeDecryptionKey, into sink: inout some PlaintextSink,
        hashingInto hash: BackgroundSHA256?, progress: ((Int) -> Void)?
    ) throws -> EnvelopeHead {
        let head = try EnvelopeHead.read(from: file)
        let fileKey = try unwrap(head.header, with: key)
        guard Sodium.constantTimeEqual(fileKey.headerMAC(head.authenticatedBytes), head.mac) else {
            throw EnvelopeError.badHeaderMAC
        }
        if let hash {
            head.authenticatedBytes.withUnsafeBytes { hash.update($0) }
            head.mac.withUnsafeBytes { hash.update($0) }
        }
        try openPayload(file, key: fileKey.payloadKey(salt: head.header.salt), into: &sink, hashingInto: hash,
                        progress: progress)
        return head
    }

    static func unwrap(_ header: EnvelopeHeader, with key: some EnvelopeDecryptionKey) throws -> FileKey {
        for (stanza, kid) in zip(header.stanzas, header.kids) where key.kids.contains(kid) {
            return try key.unwrap(stanza, suite: header.suite, kid: kid)
        }
        throw EnvelopeError.notAddressedToYou
    }

    /// Reads one chunk ahead so the final chunk is known by the end of the file, then tells
    /// truncation, reordering and trailing data apart by which flag would have opened it.
    static func openPayload(
        _ file: InputFile, key: SymmetricKey, into sink: inout some PlaintextSink,
        hashingInto hash: BackgroundSHA256?, progress: ((Int) -> Void)?
    ) throws {
        let stream = PayloadSealer(key: key)
        var chunks = WireChunks(file: file, hash: hash)
        guard var current = try chunks.next() else { throw EnvelopeError.missingLastChunk }
        var done = 0
        var index = 0
        while true {
            let next = current.count == WireChunks.wireChunk ? try chunks.next() : nil
            let isLast = next == nil
            guard let plain = stream.open(current, index: index, last: isLast) else {
                if stream.open(current, index: index, last: !isLast) != nil {
                    throw isLast ? EnvelopeError.missingLastChunk : EnvelopeError.trailingData
                }
                throw EnvelopeError.badChunk(index)
            }
            if isLast, plain.isEmpty, index > 0 { throw EnvelopeError.emptyFinalChunk }
            try plain.withUnsafeBytes { try sink.write($0) }
            done += plain.count
            progress?(done)
            guard let next else { break }
            index += 1
            current = next
        }
        try sink.finish()
    }

    /// The payload's wire chunks, read 16 at a time (1 MiB): one read(2) and one allocation
    /// per 16 chunks instead of one each.
    private struct WireChunks {
        static let wireChunk = EnvelopeFormat.chunkSize + EnvelopeFormat.tagSize
        let file: InputFile
        let hash: BackgroundSHA256?
        private var block: [UInt8] = []
        private var position = 0

        init(file: InputFile, hash: BackgroundSHA256?) {
            self.file = file
            self.hash = hash
        }

        /// The next chunk (shorter only at the end of the file), or nil at its end.
        mutating func next() throws -> ArraySlice<UInt8>? {
            if position == block.count {
                // A new array: the chunk the caller still holds keeps the old one alive.
                block = try file.read(upTo: 16 * Self.wireChunk)
                position = 0
                block.withUnsafeBytes { hash?.update($0) }
                if block.isEmpty { return nil }
            }
            let end = min(position + Self.wireChunk, block.count)
            defer { position = end }
            return block[position..<end]
        }
    }
}
