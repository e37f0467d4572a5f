import Foundation

/// The part of an envelope before its payload: magic, length, header, header MAC.
public struct EnvelopeHead: Sendable {
    public let header: EnvelopeHeader
    public let mac: [UInt8]
    /// Bytes from the start of the file to the first payload byte.
    public let length: Int

    /// Parses from the start of `bytes`. Returns nil while more bytes are needed, so a relay
    /// can call it on a growing buffer and reject a bad upload as early as possible.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> EnvelopeHead? {
        let prefix = Array(bytes.prefix(EnvelopeFormat.prefixSize))
        let seen = prefix.prefix(EnvelopeFormat.magic.count)
        if !seen.elementsEqual(EnvelopeFormat.magic.prefix(seen.count)) {
            // "SEAL" followed by another version digit is a future version, not garbage.
            if seen.count >= 5, seen.prefix(4).elementsEqual("SEAL".utf8) { throw EnvelopeError.unsupportedVersion }
            throw EnvelopeError.notAnEnvelope
        }
        guard prefix.count == EnvelopeFormat.prefixSize else { return nil }
        let length = BigEndianReader(prefix).u32(at: EnvelopeFormat.magic.count) ?? 0
        guard (1...EnvelopeFormat.maxHeaderLength).contains(length) else { throw EnvelopeError.headerLength(length) }
        let total = EnvelopeFormat.prefixSize + length + EnvelopeFormat.macSize
        guard bytes.count >= total else { return nil }
        let all = Array(bytes.prefix(total))
        let header = try EnvelopeHeader(parsing: Array(all[EnvelopeFormat.prefixSize..<(EnvelopeFormat.prefixSize + length)]))
        return EnvelopeHead(header: header, mac: Array(all[(total - EnvelopeFormat.macSize)...]), length: total)
    }

    /// Reads the head from the start of a file.
    public static func read(from file: InputFile) throws -> EnvelopeHead {
        var buffer = try file.read(upTo: EnvelopeFormat.prefixSize)
        if let head = try parse(buffer) { return head }
        guard buffer.count == EnvelopeFormat.prefixSize else {
            if buffer.isEmpty { throw EnvelopeError.notAnEnvelope }
            throw EnvelopeError.truncatedHeader
        }
        let length = BigEndianReader(buffer).u32(at: EnvelopeFormat.magic.count) ?? 0
        buffer += try file.read(upTo: length + EnvelopeFormat.macSize)
        guard let head = try parse(buffer) else { throw EnvelopeError.truncatedHeader }
        return head
    }

    /// The bytes the header MAC covers: magic, u32 length, header.
    var authenticatedBytes: [UInt8] {
        let n = header.bytes.count
        return EnvelopeFormat.magic + BigEndianReader.bytes(of: n, width: 4) + header.bytes
    }

    /// Relays check this before accepting: every stanza names a key the bundle lists.
    public func requireRecipients(in kids: Set<KeyID>) throws {
        for kid in header.kids where !kids.contains(kid) {
            throw EnvelopeError.unknownRecipient(kid.base64URL)
        }
    }

    /// Relays and sources check this of a reply (docs/FORMAT.md §3.1 and §5): exactly one
    /// stanza, x25519, for the source's reply key. No bundle lists that key, so this shape
    /// is all that can be checked of a reply without it.
    public func requireReplyShape() throws {
        guard header.stanzas.count == 1, header.suite == .x25519 else {
            throw EnvelopeError.malformedHeader(
                "a reply has exactly one \(EnvelopeSuite.x25519.rawValue) stanza, for the source's reply key; "
                    + "this envelope has \(header.stanzas.count) \(header.suite.rawValue) stanza(s)")
        }
    }

    /// A reply's shape, addressed to `identity`: what a source checks of what a relay served.
    public func requireReply(to identity: ReplyIdentity) throws {
        try requireReplyShape()
        guard header.kids == [identity.kid] else { throw EnvelopeError.notAddressedToYou }
    }
}
