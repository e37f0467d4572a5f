import Crypto
import Foundation

/// Opens an envelope (docs/FORMAT.md §3-4): finds the caller's stanza, unwraps the file key, checks
/// the header MAC, then streams authenticated plaintext into a sink 64 KiB at a time.
public enum EnvelopeReader {
    public static func open(
        _ file: InputFile, with key: some EnvelopeDecryptionKey, into sink: inout some PlaintextSink,
        progress: ((Int) -> Void)? = nil
    ) throws -> EnvelopeHead {
        let head = try EnvelopeHead.read(from: file)
        let fileKey = try unwrap(head.header, with: key)
        guard Sodium.constantTimeEqual(fileKey.headerMAC(head.authenticatedBytes), head.mac) else {
            throw EnvelopeError.badHeaderMAC
        }
        try openPayload(file, key: fileKey.payloadKey(salt: head.header.salt), into: &sink, progress: progress)
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
        _ file: InputFile, key: SymmetricKey, into sink: inout some PlaintextSink, progress: ((Int) -> Void)?
    ) throws {
        let wireChunk = EnvelopeFormat.chunkSize + EnvelopeFormat.tagSize
        let stream = PayloadSealer(key: key)
        var current = try file.read(upTo: wireChunk)
        guard !current.isEmpty else { throw EnvelopeError.missingLastChunk }
        var done = 0
        var index = 0
        while true {
            let next = current.count == wireChunk ? try file.read(upTo: wireChunk) : []
            let isLast = next.isEmpty
            guard let plain = stream.open(current[...], index: index, last: isLast) else {
                if stream.open(current[...], index: index, last: !isLast) != nil {
                    throw isLast ? EnvelopeError.missingLastChunk : EnvelopeError.trailingData
                }
                throw EnvelopeError.badChunk(index)
            }
            if isLast, plain.isEmpty, index > 0 { throw EnvelopeError.emptyFinalChunk }
            try plain.withUnsafeBytes { try sink.write($0) }
            done += plain.count
            progress?(done)
            if isLast { break }
            index += 1
            current = next
        }
        try sink.finish()
    }
}
