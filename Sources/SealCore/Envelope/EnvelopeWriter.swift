import Crypto
import Foundation

/// Seals one envelope of a known plaintext length (docs/FORMAT.md §3-4): the head is written when it
/// is created, then each 64 KiB chunk by index, in any order.
public struct EnvelopeWriter {
    let output: any EnvelopeOutput
    let payload: PayloadSealer
    /// Bytes before the first chunk: magic, length, header, MAC.
    let headLength: Int
    public let length: Int
    public let chunkCount: Int

    public init(length: Int, to recipients: [EnvelopeRecipient], suite: EnvelopeSuite, bundleID: String,
                into output: any EnvelopeOutput) throws {
        guard !recipients.isEmpty, recipients.count <= EnvelopeFormat.maxStanzas else {
            throw EnvelopeError.malformedHeader("between 1 and \(EnvelopeFormat.maxStanzas) recipients are allowed")
        }
        let fileKey = FileKey.generate()
        try self.init(length: length, fileKey: fileKey, stanzas: recipients.map { try $0.wrap(fileKey, suite: suite) },
                      salt: Sodium.randomBytes(EnvelopeFormat.saltSize), bundleID: bundleID, into: output)
    }

    /// The deterministic core, given the random choices; test vectors fix them.
    init(length: Int, fileKey: FileKey, stanzas: [Stanza], salt: [UInt8], bundleID: String,
         into output: any EnvelopeOutput) throws {
        let headerBytes = try EnvelopeHeader.encode(bundle: bundleID, stanzas: stanzas, salt: salt)
        guard headerBytes.count <= EnvelopeFormat.maxHeaderLength else { throw EnvelopeError.headerLength(headerBytes.count) }
        // Parse what we wrote: the writer must never produce a header its own reader refuses.
        let placeholder = EnvelopeFormat.magic + BigEndianReader.bytes(of: headerBytes.count, width: 4) + headerBytes + [UInt8](repeating: 0, count: 32)
        guard let head = try EnvelopeHead.parse(placeholder) else { throw EnvelopeError.truncatedHeader }
        let authenticated = head.authenticatedBytes
        let mac = fileKey.headerMAC(authenticated)
        try (authenticated + mac).withUnsafeBytes { try output.write($0, at: 0) }
        self.output = output
        self.payload = PayloadSealer(key: fileKey.payloadKey(salt: salt))
        self.headLength = head.length
        self.length = length
        self.chunkCount = max(1, (length + EnvelopeFormat.chunkSize - 1) / EnvelopeFormat.chunkSize)
    }

    /// The plaintext range chunk `index` must hold.
    public func range(ofChunk index: Int) -> Range<Int> {
        (index * EnvelopeFormat.chunkSize)..<min(length, (index + 1) * EnvelopeFormat.chunkSize)
    }

    /// Seals chunk `index`, whose plaintext must be exactly `range(ofChunk: index)`.
    public func seal(chunk index: Int, _ plaintext: UnsafeRawBufferPointer) throws {
        let expected = range(ofChunk: index)
        guard (0..<chunkCount).contains(index), plaintext.count == expected.count else {
            throw EnvelopeError.plaintextLength(expected: expected.count, got: plaintext.count)
        }
        let sealed = try payload.seal(plaintext, index: index, last: index == chunkCount - 1)
        let offset = headLength + index * (EnvelopeFormat.chunkSize + EnvelopeFormat.tagSize)
        try sealed.ciphertext.withUnsafeBytes { try output.write($0, at: offset) }
        try sealed.tag.withUnsafeBytes { try output.write($0, at: offset + expected.count) }
    }

    /// Seals a whole plaintext stream in order.
    /// - Parameters:
    ///   - length: the exact plaintext length the source will yield; refused if it disagrees.
    ///   - progress: called with the plaintext bytes done so far.
    public static func seal(
        _ source: inout some PlaintextSource, length: Int,
        to recipients: [EnvelopeRecipient], suite: EnvelopeSuite, bundleID: String,
        into output: any EnvelopeOutput, progress: ((Int) -> Void)? = nil
    ) throws {
        let writer = try EnvelopeWriter(length: length, to: recipients, suite: suite, bundleID: bundleID, into: output)
        try writer.sealAll(&source, progress: progress)
    }

    func sealAll(_ source: inout some PlaintextSource, progress: ((Int) -> Void)? = nil) throws {
        var buffer = [UInt8](repeating: 0, count: EnvelopeFormat.chunkSize)
        for index in 0..<chunkCount {
            let want = range(ofChunk: index).count
            let got = try buffer.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
            guard got == want else { throw EnvelopeError.plaintextLength(expected: length, got: range(ofChunk: index).lowerBound + got) }
            try buffer.withUnsafeBytes { try seal(chunk: index, UnsafeRawBufferPointer(rebasing: $0[0..<want])) }
            progress?(range(ofChunk: index).upperBound)
        }
        // One more read must hit the end, or the source was longer than announced.
        var probe = [UInt8](repeating: 0, count: 1)
        let extra = try probe.withUnsafeMutableBytes { try source.read(into: $0) }
        guard extra == 0 else { throw EnvelopeError.plaintextLength(expected: length, got: length + extra) }
    }
}
