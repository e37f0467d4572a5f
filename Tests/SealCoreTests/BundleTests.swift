import Foundation
import SealTestSupport
import Testing
@testable import SealCore

@Suite("Recipient bundle")
final class BundleTests {
    let dir = TemporaryDirectory()
    let day: Double = 86400

    func make(org: SigningKey, counter: Int = 1, validDays: Int = 30, signedOn: Date = Date()) throws -> [UInt8] {
        try RecipientBundle.sign(organisation: org, reviewers: [TestKeys.identity("alice", seed: 1).publicKey,
                                                                TestKeys.identity("bob", seed: 3).publicKey],
                                 relays: ["https://relay.example"], counter: counter, validDays: validDays, today: signedOn)
    }

    @Test("a bundle verifies against its organisation's fingerprint and lists its reviewers")
    func verifies() throws {
        let org = try TestKeys.organisation()
        let bundle = try RecipientBundle.verify(make(org: org), pinned: org.fingerprint, counters: nil)
        #expect(bundle.reviewers.map(\.name) == ["alice", "bob"])
        #expect(bundle.relays == ["https://relay.example"])
        #expect(bundle.id.count == 64)
    }

    @Test("a bundle signed by another organisation is refused")
    func otherOrganisation() throws {
        let bytes = try make(org: TestKeys.organisation(seed: 8))
        #expect(throws: BundleError.wrongOrganisation) {
            try RecipientBundle.verify(bytes, pinned: TestKeys.organisation(seed: 7).fingerprint, counters: nil)
        }
    }

    @Test("a bundle whose body was altered does not verify")
    func tampered() throws {
        let org = try TestKeys.organisation()
        var object = try #require(try JSONSerialization.jsonObject(with: Data(make(org: org))) as? [String: Any])
        let bodyText = try #require(object["body"] as? String)
        var body = try #require(Base64URL.decode(bodyText))
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "relay.example", with: "relay.evilxx")
        body = Array(text.utf8)
        object["body"] = Base64URL.encode(body)
        let tampered = Array(try JSONSerialization.data(withJSONObject: object))
        #expect(throws: BundleError.badSignature) { try RecipientBundle.verify(tampered, pinned: org.fingerprint, counters: nil) }
    }

    @Test("an expired bundle is refused, naming the day it expired")
    func expired() throws {
        let org = try TestKeys.organisation()
        let bytes = try make(org: org, validDays: 10, signedOn: Date().addingTimeInterval(-30 * day))
        #expect(throws: BundleError.self) { try RecipientBundle.verify(bytes, pinned: org.fingerprint, counters: nil) }
        do {
            _ = try RecipientBundle.verify(bytes, pinned: org.fingerprint, counters: nil)
        } catch let error as BundleError {
            guard case .expired = error else { Issue.record("expected expired, got \(error)"); return }
        }
    }

    @Test("a bundle from the future is not yet valid")
    func notYetValid() throws {
        let org = try TestKeys.organisation()
        let bytes = try make(org: org, signedOn: Date().addingTimeInterval(3 * day))
        do {
            _ = try RecipientBundle.verify(bytes, pinned: org.fingerprint, counters: nil)
            Issue.record("accepted")
        } catch let error as BundleError {
            guard case .notYetValid = error else { Issue.record("expected notYetValid, got \(error)"); return }
        }
    }

    @Test("a counter lower than one already seen is refused; equal or higher is accepted")
    func rollback() throws {
        let org = try TestKeys.organisation()
        let store = BundleCounterStore(directory: dir.file("state"))
        _ = try RecipientBundle.verify(make(org: org, counter: 5), pinned: org.fingerprint, counters: store)
        _ = try RecipientBundle.verify(make(org: org, counter: 5), pinned: org.fingerprint, counters: store)
        #expect(throws: BundleError.rollback(seen: 5, got: 4)) {
            try RecipientBundle.verify(self.make(org: org, counter: 4), pinned: org.fingerprint, counters: store)
        }
        _ = try RecipientBundle.verify(make(org: org, counter: 6), pinned: org.fingerprint, counters: store)
        #expect(try store.highest(for: org.fingerprint) == 6)
    }

    @Test("a bundle of an unknown version is refused as such")
    func unknownVersion() throws {
        let org = try TestKeys.organisation()
        let text = String(decoding: try make(org: org), as: UTF8.self).replacingOccurrences(of: "\"v\":1", with: "\"v\":3")
        #expect(throws: BundleError.unsupportedVersion(3)) {
            try RecipientBundle.verify(Array(text.utf8), pinned: org.fingerprint, counters: nil)
        }
    }

    @Test("garbage is malformed, not a crash")
    func garbage() throws {
        let org = try TestKeys.organisation()
        for bytes in [[], Array("{".utf8), Array("[1]".utf8), Array(#"{"type":"sealrelay-bundle","v":1,"body":"!!","sig":"x"}"#.utf8)] {
            #expect(throws: BundleError.self) { try RecipientBundle.verify(bytes, pinned: org.fingerprint, counters: nil) }
        }
    }

    @Test("relay keys make a v2 bundle, signed under the v2 prefix, that carries them")
    func relayKeysMakeAVersion2Bundle() throws {
        let org = try TestKeys.organisation()
        let relay = try SigningKey.generate(.relay)
        let bytes = try RecipientBundle.sign(organisation: org, reviewers: [TestKeys.identity("alice", seed: 1).publicKey],
                                             relays: ["https://relay.example"], counter: 1, validDays: 30,
                                             relayKeys: [relay.publicKey])
        let file = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(file["v"] as? Int == 2)
        let bodyText = try #require(file["body"] as? String)
        let sigText = try #require(file["sig"] as? String)
        let body = try #require(Base64URL.decode(bodyText))
        let sig = try #require(Base64URL.decode(sigText))
        #expect(try VerifyingKey(publicKey: org.publicKey).isValidSignature(sig, for: Array("sealrelay bundle v2\n".utf8) + body))
        let verified = try RecipientBundle.verify(bytes, pinned: org.fingerprint, counters: nil)
        #expect(verified.relayKeys == [relay.publicKey])
        #expect(try RecipientBundle.verify(make(org: org), pinned: org.fingerprint, counters: nil).relayKeys.isEmpty)
    }

    @Test("a v2 bundle carries epoch keys and relay keys together, and a reader gets both")
    func version2WithEpochsAndRelayKeys() throws {
        let org = try TestKeys.organisation()
        let alice = try TestKeys.identity("alice", seed: 1).publicKey
        let relay = try SigningKey.generate(.relay)
        let epochs = try EpochBundleTests.epochs("alice", ["2031-01", "2031-02"], seed: 11)
        let bytes = try RecipientBundle.sign(organisation: org, reviewers: [alice], relays: ["https://relay.example"],
                                             counter: 1, validDays: 30, epochs: epochs, relayKeys: [relay.publicKey])
        let verified = try RecipientBundle.verify(bytes, pinned: org.fingerprint, counters: nil)
        #expect(verified.relayKeys == [relay.publicKey])
        #expect(verified.epochs.map(\.kid) == epochs.map(\.kid))
    }
}
