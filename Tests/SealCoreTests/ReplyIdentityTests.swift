import Foundation
import SealTestSupport
import Testing
@testable import SealCore

/// docs/FORMAT.md §5: a reply is an envelope with one X25519 stanza for the source's reply key,
/// opened with the key derived from the codename, whatever language it was typed in.
@Suite("Reply identity")
final class ReplyIdentityTests {
    let dir = TemporaryDirectory()

    private func sealReply(_ text: String, to secrets: CodenameSecrets, suite: EnvelopeSuite = .x25519) throws -> String {
        let path = dir.file(UUID().uuidString + ".seal")
        var writer = try ReportWriter(kind: .reply, message: text, attachments: [], reply: nil, thread: secrets.thread)
        let out = try AtomicFile(path: path)
        try writer.seal(to: [EnvelopeRecipient(replyKey: secrets.replyPublicKey)], suite: suite,
                        bundleID: ReplyEnvelope.bundleID, into: out)
        try out.commit()
        return path
    }

    @Test("the same codename in another language gives the same reply key, and it opens the reply")
    func opensAcrossLanguages() throws {
        let codename = Codename.generate()
        let korean = try Codename(parsing: codename.phrase(in: .korean)).secrets()
        let secrets = codename.secrets()
        #expect(korean.replyIdentity.kid == secrets.replyIdentity.kid)
        #expect(secrets.replyIdentity.kid == KeyID(x25519: secrets.replyPublicKey))
        #expect(secrets.replyAddress == Manifest.Reply(key: Base64URL.encode(secrets.replyPublicKey), mailbox: secrets.mailboxID))
        #expect(Base64URL.decode(secrets.mailboxSecretBase64URL, count: 32) != nil)

        let path = try sealReply("which plant?", to: secrets)
        let head = try EnvelopeHead.read(from: InputFile(path: path))
        try head.requireReply(to: korean.replyIdentity)
        let opened = try ReportOpener.open(envelope: path, key: korean.replyIdentity, into: dir.file("out"))
        #expect(opened.manifest.kind == .reply && opened.manifest.message == "which plant?")
        #expect(opened.folder.hasPrefix(dir.file("out/thread-\(secrets.thread)/reply-")))
    }

    @Test("another codename's key and a reviewer's key do not open it")
    func othersCannotOpen() throws {
        let path = try sealReply("for one source only", to: Codename.generate().secrets())
        let head = try EnvelopeHead.read(from: InputFile(path: path))
        let stranger = Codename.generate().secrets().replyIdentity
        #expect(throws: EnvelopeError.notAddressedToYou) { try head.requireReply(to: stranger) }
        #expect(throws: EnvelopeError.notAddressedToYou) {
            try ReportOpener.open(envelope: path, key: stranger, into: self.dir.file("stranger"))
        }
        let reviewer = try TestKeys.identity("alice", seed: 3)
        #expect(throws: EnvelopeError.notAddressedToYou) {
            try ReportOpener.open(envelope: path, key: reviewer, into: self.dir.file("reviewer"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("stranger/thread-")))
    }

    @Test("a stanza of another suite, or for another kid, is refused by the reply key itself")
    func unwrapRefusesOtherSuitesAndKids() throws {
        let secrets = Codename.generate().secrets()
        let identity = secrets.replyIdentity
        let path = try sealReply("x", to: secrets)
        let stanza = try #require(EnvelopeHead.read(from: InputFile(path: path)).header.stanzas.first)
        #expect(throws: EnvelopeError.stanzaRefused) { try identity.unwrap(stanza, suite: .xwing, kid: identity.kid) }
        let other = KeyID(x25519: [UInt8](repeating: 9, count: 32))
        #expect(throws: EnvelopeError.stanzaRefused) { try identity.unwrap(stanza, suite: .x25519, kid: other) }
        _ = try identity.unwrap(stanza, suite: .x25519, kid: identity.kid)
    }

    @Test("the reply shape: exactly one X25519 stanza")
    func shape() throws {
        let reviewers = try [TestKeys.identity("a", seed: 1), TestKeys.identity("b", seed: 5)].map(\.publicKey)
        let one = dir.file("one.seal")
        try EnvelopeRoundTrip.seal([1, 2, 3], to: [reviewers[0]], suite: .x25519, at: one)
        try EnvelopeHead.read(from: InputFile(path: one)).requireReplyShape()
        let two = dir.file("two.seal")
        try EnvelopeRoundTrip.seal([1, 2, 3], to: reviewers, suite: .x25519, at: two)
        #expect(throws: EnvelopeError.malformedHeader(
            "a reply has exactly one x25519-hkdf-sha256-aes256gcm stanza, for the source's reply key; "
                + "this envelope has 2 x25519-hkdf-sha256-aes256gcm stanza(s)")) {
            try EnvelopeHead.read(from: InputFile(path: two)).requireReplyShape()
        }
        let xwing = dir.file("xwing.seal")
        try EnvelopeRoundTrip.seal([1, 2, 3], to: [reviewers[0]], suite: .xwing, at: xwing)
        #expect(throws: EnvelopeError.self) { try EnvelopeHead.read(from: InputFile(path: xwing)).requireReplyShape() }
        #expect(ReplyEnvelope.isValidMailboxID(Codename.generate().secrets().mailboxID))
        #expect(!ReplyEnvelope.isValidMailboxID("AAAAAAAAAAAAAAAAAAAAA"))
        #expect(!ReplyEnvelope.isValidMailboxID("../../../etc/passwd/xx"))
    }
}
