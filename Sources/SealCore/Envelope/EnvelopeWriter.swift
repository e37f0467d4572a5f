import Crypto
import Foundation

/// Seals a plaintext stream into an envelope (DESIGN §3), 64 KiB at a time, so memory use
/// does not grow with the report.
public enum EnvelopeWriter {
    /// - Parameters:
    ///   - length: the exact plaintext length the source will yield; the writer needs it to
    ///     mark the last chunk without reading ahead, and refuses a source that disagrees.
    ///   - progress: called with the plaintext bytes done so far.
    public static func seal(
        _ source: inout some PlaintextSource, length: Int,
        to recipients: [EnvelopeRecipient], suite: EnvelopeSuite, bundleID: String,
        into output: AtomicFile, progress: ((Int) -> Void)? = nil
    ) throws {
        guard !recipients.isEmpty, recipients.count <= EnvelopeFormat.maxStanzas else {
            throw EnvelopeError.malformedHeader("between 1 and \(EnvelopeFormat.maxStanzas) recipients are allowed")
        }
        let fileKey = FileKey.generate()
        let stanzas = try recipients.map { try $0.wrap(fileKey, suite: suite) }
        let salt = Sodium.randomBytes(EnvelopeFormat.saltSize)
        try seal(&source, length: length, fileKey: fileKey, stanzas: stanzas, salt: salt, bundleID: bundleID,
                 into: { try output.write($0) }, progress: progress)
    }

    /// The deterministic core, given the random choices; test vectors fix them.
    static func seal(
        _ source: inout some PlaintextSource, length: Int, fileKey: FileKey, stanzas: [Stanza], salt: [UInt8],
        bundleID: String, into write: (UnsafeRawBufferPointer) throws -> Void, progress: ((Int) -> Void)? = nil
    ) throws {
        let headerBytes = try EnvelopeHeader.encode(bundle: bundleID, stanzas: stanzas, salt: salt)
        guard headerBytes.count <= EnvelopeFormat.maxHeaderLength else {
            throw EnvelopeError.headerLength(headerBytes.count)
        }
        // Parse what we wrote: the writer must never produce a header its own reader refuses.
        let head = try EnvelopeHead.parse(EnvelopeFormat.magic + u32(headerBytes.count) + headerBytes + [UInt8](repeating: 0, count: 32))
        guard let head else { throw EnvelopeError.truncatedHeader }
        let authenticated = head.authenticatedBytes
        try authenticated.withUnsafeBytes(write)
        try fileKey.headerMAC(authenticated).withUnsafeBytes(write)

        var stream = PayloadSealer(key: fileKey.payloadKey(salt: salt))
        let chunkCount = max(1, (length + EnvelopeFormat.chunkSize - 1) / EnvelopeFormat.chunkSize)
        var buffer = [UInt8](repeating: 0, count: EnvelopeFormat.chunkSize)
        var done = 0
        for index in 0..<chunkCount {
            let want = min(EnvelopeFormat.chunkSize, length - done)
            let got = try buffer.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
            guard got == want else { throw EnvelopeError.plaintextLength(expected: length, got: done + got) }
            let sealed = try stream.seal(buffer[0..<want], last: index == chunkCount - 1)
            try sealed.withUnsafeBytes(write)
            done += want
            progress?(done)
        }
        // One more read must hit the end, or the source was longer than announced.
        var probe = [UInt8](repeating: 0, count: 1)
        let extra = try probe.withUnsafeMutableBytes { try source.read(into: $0) }
        guard extra == 0 else { throw EnvelopeError.plaintextLength(expected: length, got: length + extra) }
    }

    static func u32(_ n: Int) -> [UInt8] {
        [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
    }
}

/// The STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár): AES-256-GCM with the
/// nonce = 11-byte big-endian chunk counter || last-chunk flag, so chunks cannot be
/// reordered, dropped or cut short without detection.
struct PayloadSealer {
    let key: SymmetricKey
    private(set) var counter: UInt64 = 0

    init(key: SymmetricKey) { self.key = key }

    static func nonce(_ counter: UInt64, last: Bool) -> AES.GCM.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { bytes[10 - i] = UInt8(counter >> (8 * UInt64(i)) & 0xFF) }
        bytes[11] = last ? 1 : 0
        // A 12-byte nonce is always accepted.
        return try! AES.GCM.Nonce(data: bytes)
    }

    mutating func seal(_ chunk: some DataProtocol, last: Bool) throws -> Data {
        let box = try AES.GCM.seal(chunk, using: key, nonce: Self.nonce(counter, last: last))
        counter += 1
        return box.ciphertext + box.tag
    }

    /// Opens chunk `counter`; does not advance, so a caller can retry with the other flag
    /// to tell "truncated" from "tampered".
    func open(_ chunk: ArraySlice<UInt8>, last: Bool) -> Data? {
        guard chunk.count >= EnvelopeFormat.tagSize else { return nil }
        let split = chunk.endIndex - EnvelopeFormat.tagSize
        guard let box = try? AES.GCM.SealedBox(nonce: Self.nonce(counter, last: last),
                                               ciphertext: chunk[chunk.startIndex..<split], tag: chunk[split...])
        else { return nil }
        return try? AES.GCM.open(box, using: key)
    }

    mutating func advance() { counter += 1 }
}
