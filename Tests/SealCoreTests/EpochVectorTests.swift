import Foundation
import Testing
@testable import SealCore

/// docs/FORMAT.md §7.4: the committed v2 bundle verifies under its pinned organisation, and
/// the committed envelope opens with the epoch secret its stanza names. The Python interop
/// tests check the same file with an independent implementation.
@Suite("Epoch vectors")
struct EpochVectorTests {
    struct Vectors: Decodable {
        struct Bundle: Decodable { let file: String; let id: String; let org_fingerprint: String; let valid_on: String }
        struct Envelope: Decodable { let bytes: String; let epoch: String; let message: String }
        let bundle_v2: Bundle
        let reviewer: String
        let epoch_months: [String]
        let epochs_seckey: String
        let envelope: Envelope
    }

    static func load() throws -> Vectors {
        let url = try #require(Foundation.Bundle.module.url(forResource: "Vectors/epochs-v1", withExtension: "json"))
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }

    @Test("the v2 bundle vector verifies and lists the reviewer's epochs")
    func bundle() throws {
        let v = try Self.load()
        let pinned = try #require(Fingerprint(hex: v.bundle_v2.org_fingerprint))
        let day = try #require(Day.parse(v.bundle_v2.valid_on))
        let bundle = try RecipientBundle.verify(try #require(Base64URL.decode(v.bundle_v2.file)), pinned: pinned,
                                                today: day, counters: nil)
        #expect(bundle.id == v.bundle_v2.id)
        #expect(bundle.epochs(ofReviewer: v.reviewer).map(\.epoch.description) == v.epoch_months)
    }

    @Test("the envelope vector opens with the epoch secret its stanza names")
    func envelope() throws {
        let v = try Self.load()
        let file = try EpochSecretFile(bytes: try #require(Base64URL.decode(v.epochs_seckey)))
        let bytes = try #require(Base64URL.decode(v.envelope.bytes))
        let head = try #require(try EnvelopeHead.parse(bytes))
        let kid = try #require(head.header.kids.first)
        let entry = try #require(file.epochs.first { $0.kid == kid })
        #expect(entry.epoch.description == v.envelope.epoch)
        let keyring = ReviewerKeyring(identity: try TestKeys.identity(v.reviewer, seed: 1),
                                      epochs: [(entry.epoch, try file.unlock(entry, passphrase: { nil }))])
        var sink = BytesSink()
        _ = try EnvelopeReader.open(InputFile(bytes: bytes, name: "vector.seal"), with: keyring, into: &sink)
        #expect(keyring.opener(of: head.header)?.epoch == entry.epoch)
        #expect(String(decoding: sink.bytes, as: UTF8.self).contains(v.envelope.message))
    }
}
