import Foundation
import SealTestSupport
import Testing
@testable import SealCore

@Suite("Envelope v1")
final class EnvelopeTests {
    let dir = TemporaryDirectory()

    @Test("every reviewer opens an X-Wing envelope to the same plaintext", arguments: [0, 1, 65535, 65536, 65537, 200_000])
    func xwingRoundTrip(size: Int) throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let bob = try TestKeys.identity("bob", seed: 3)
        let plaintext = TestKeys.pattern(size)
        let path = dir.file("x-\(size).seal")
        try EnvelopeRoundTrip.seal(plaintext, to: [alice.publicKey, bob.publicKey], suite: .xwing, at: path)
        #expect(try EnvelopeRoundTrip.open(path, with: alice).bytes == plaintext)
        #expect(try EnvelopeRoundTrip.open(path, with: bob).bytes == plaintext)
    }

    @Test("an X25519 envelope opens", arguments: [0, 70_000])
    func x25519RoundTrip(size: Int) throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let plaintext = TestKeys.pattern(size)
        let path = dir.file("c-\(size).seal")
        try EnvelopeRoundTrip.seal(plaintext, to: [alice.publicKey], suite: .x25519, at: path)
        let sink = try EnvelopeRoundTrip.open(path, with: alice)
        #expect(sink.bytes == plaintext)
        #expect(sink.finished)
    }

    @Test("the envelope size is the plaintext plus one tag per 64 KiB chunk plus the head")
    func sizeIsPredictable() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let path = dir.file("size.seal")
        try EnvelopeRoundTrip.seal(TestKeys.pattern(200_000), to: [alice.publicKey], suite: .x25519, at: path)
        let file = try InputFile(path: path)
        let head = try EnvelopeHead.read(from: file)
        #expect(try file.size() == head.length + EnvelopeFormat.payloadSize(plaintextLength: 200_000))
        #expect(EnvelopeFormat.payloadSize(plaintextLength: 200_000) == 200_000 + 4 * 16)
    }

    @Test("a reviewer not among the stanzas is told the envelope is not addressed to them")
    func notAddressed() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let carol = try TestKeys.identity("carol", seed: 9)
        let path = dir.file("n.seal")
        try EnvelopeRoundTrip.seal([1, 2, 3], to: [alice.publicKey], suite: .xwing, at: path)
        #expect(throws: EnvelopeError.notAddressedToYou) { try EnvelopeRoundTrip.open(path, with: carol) }
    }

    @Test("a writer whose source is shorter than announced fails instead of writing a short envelope")
    func shortSource() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        var source = BytesSource([1, 2, 3])
        let out = try AtomicFile(path: dir.file("short.seal"))
        #expect(throws: EnvelopeError.plaintextLength(expected: 10, got: 3)) {
            try EnvelopeWriter.seal(&source, length: 10, to: [EnvelopeRecipient(reviewer: alice.publicKey)],
                                    suite: .x25519, bundleID: String(repeating: "0", count: 64), into: out)
        }
    }

    @Test("an output that was not committed leaves no file behind")
    func uncommittedOutputVanishes() throws {
        do {
            let out = try AtomicFile(path: dir.file("gone.seal"))
            try out.write([1, 2, 3])
        }
        #expect(dir.contents().isEmpty)
    }

    @Test("the relay-side check names a kid that is not in the bundle")
    func relayRecipientCheck() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let bob = try TestKeys.identity("bob", seed: 3)
        let path = dir.file("r.seal")
        try EnvelopeRoundTrip.seal([1], to: [alice.publicKey], suite: .x25519, at: path)
        let head = try EnvelopeHead.read(from: InputFile(path: path))
        try head.requireRecipients(in: [alice.kid])
        #expect(throws: EnvelopeError.unknownRecipient(alice.kid.base64URL)) { try head.requireRecipients(in: [bob.kid]) }
    }

    @Test("a head parser fed byte by byte asks for more until the head is complete")
    func incrementalHeadParse() throws {
        let alice = try TestKeys.identity("alice", seed: 1)
        let path = dir.file("i.seal")
        try EnvelopeRoundTrip.seal([1], to: [alice.publicKey], suite: .x25519, at: path)
        let bytes = try dir.read("i.seal")
        let head = try #require(try EnvelopeHead.parse(bytes))
        for n in [0, 3, 9, 10, head.length - 1] {
            #expect(try EnvelopeHead.parse(bytes.prefix(n)) == nil)
        }
        #expect(try EnvelopeHead.parse(bytes.prefix(head.length))?.length == head.length)
    }

    @Test("header shape violations are refused before any key is used", arguments: [
        (#"{"v":1}"#, "keys"),
        (#"{"bundle":"00","chunk":65536,"salt":"AAAAAAAAAAAAAAAAAAAAAA","stanzas":[],"v":1}"#, "hex"),
        (#"{"bundle":"\#(String(repeating: "0", count: 64))","chunk":1024,"salt":"AAAAAAAAAAAAAAAAAAAAAA","stanzas":[],"v":1}"#, "chunk"),
        (#"{"bundle":"\#(String(repeating: "0", count: 64))","chunk":65536,"salt":"AAAAAAAAAAAAAAAAAAAAAA","stanzas":[],"v":1}"#, "stanzas"),
        (#"{"bundle":"\#(String(repeating: "0", count: 64))","chunk":65536,"salt":"AAAA","stanzas":[],"v":1}"#, "salt"),
    ])
    func headerShape(json: String, why: String) throws {
        #expect(throws: EnvelopeError.self) { try EnvelopeHeader(parsing: Array(json.utf8)) }
    }

    @Test("a header with version 2 is an unsupported version, not garbage")
    func headerVersion() throws {
        let json = #"{"bundle":"x","chunk":65536,"salt":"x","stanzas":[],"v":2}"#
        #expect(throws: EnvelopeError.unsupportedVersion) { try EnvelopeHeader(parsing: Array(json.utf8)) }
    }
}
