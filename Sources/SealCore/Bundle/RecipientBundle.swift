import Crypto
import Foundation

/// The organisation-signed list of reviewers a report may be encrypted to (docs/FORMAT.md §1-2).
/// The only way to get one is `verify`, so code that holds a `RecipientBundle` holds keys
/// the pinned organisation vouched for.
public struct RecipientBundle: Sendable {
    public let organisation: VerifyingKey
    public let counter: Int
    public let notBefore: String
    public let notAfter: String
    public let relays: [String]
    public let reviewers: [ReviewerPublicKey]
    /// Epoch keys of the reviewers (v2 only; empty in v1), in month order per reviewer.
    public let epochs: [EpochPublicKey]
    /// Raw Ed25519 public keys of the relays whose signed receipts the organisation vouches
    /// for (a v2 bundle's `relay_keys`, docs/FORMAT.md §2 and §8); empty in v1.
    public let relayKeys: [[UInt8]]
    /// The signed body exactly as the organisation signed it.
    public let body: [UInt8]
    /// The file as distributed, so a relay can serve it unchanged.
    public let fileBytes: [UInt8]

    public static let type = "sealrelay-bundle"
    static func signatureContext(version: Int) -> [UInt8] { Array("sealrelay bundle v\(version)\n".utf8) }

    /// Hex SHA-256 of the body bytes: what an envelope's header names.
    public var id: String { Hex.encode(SHA256.hash(data: body)) }

    public func reviewer(for kid: KeyID) -> ReviewerPublicKey? {
        reviewers.first { $0.kid == kid }
    }

    struct Body: Codable {
        var org: String
        var counter: Int
        var not_before: String
        var not_after: String
        var relays: [String]
        var reviewers: [Reviewer]
        var relay_keys: [String]? = nil

        struct Reviewer: Codable {
            var name: String
            var kid: String
            var x25519: String
            var xwing: String
            /// v2: this reviewer's epoch keys (docs/FORMAT.md, "Bundle v2").
            var epochs: [Epoch]?
        }

        struct Epoch: Codable {
            var epoch: String
            var kid: String
            var x25519: String
            var xwing: String
        }
    }

    struct File: Codable {
        var type: String
        var v: Int
        var body: String
        var sig: String
    }

    // MARK: signing

    /// Builds and signs a bundle. `today` is a parameter so tests can sign expired ones.
    /// With epoch keys it is a v2 bundle (which a v1-only reader refuses, so no old client
    /// seals to identities when epochs exist); without, byte for byte the v1 it always was.
    public static func sign(organisation: SigningKey, reviewers: [ReviewerPublicKey], relays: [String],
                            counter: Int, validDays: Int, epochs: [EpochPublicKey] = [], today: Date = Date(),
                            relayKeys: [[UInt8]] = []) throws -> [UInt8] {
        guard !reviewers.isEmpty else { throw BundleError.malformed("a bundle needs at least one reviewer") }
        guard validDays > 0 else { throw BundleError.malformed("a bundle must stay valid for at least one day") }
        guard Set(reviewers.map(\.kid)).count == reviewers.count else {
            throw BundleError.malformed("the same reviewer key is listed twice")
        }
        try checkEpochs(epochs, reviewers: reviewers)
        // Epochs and relay keys are v2 additions; a bundle with neither is byte for byte v1.
        let version = epochs.isEmpty && relayKeys.isEmpty ? 1 : 2
        let body = Body(
            org: Base64URL.encode(organisation.publicKey), counter: counter,
            not_before: Day.string(today), not_after: Day.string(today.addingTimeInterval(Double(validDays) * 86400)),
            relays: relays,
            reviewers: reviewers.map { r in
                let mine = epochs.filter { $0.reviewer == r.name }.sorted { $0.epoch < $1.epoch }
                return .init(name: r.name, kid: r.kid.base64URL, x25519: Base64URL.encode(r.x25519), xwing: Base64URL.encode(r.xwing),
                             epochs: mine.isEmpty ? nil : mine.map { .init(epoch: $0.epoch.description, kid: $0.kid.base64URL,
                                                                           x25519: Base64URL.encode($0.key.x25519), xwing: Base64URL.encode($0.key.xwing)) })
            })
        var signed = body
        if !relayKeys.isEmpty {
            for key in relayKeys where (try? VerifyingKey(publicKey: key)) == nil {
                throw BundleError.malformed("a relay key must be a 32-byte Ed25519 public key")
            }
            signed.relay_keys = relayKeys.map { Base64URL.encode($0) }
        }
        let bodyBytes = Array(try JSON.encoder.encode(signed))
        let sig = try organisation.signature(for: signatureContext(version: version) + bodyBytes)
        let file = File(type: type, v: version, body: Base64URL.encode(bodyBytes), sig: Base64URL.encode(sig))
        return Array(try JSON.encoder.encode(file)) + [0x0A]
    }

    // MARK: verifying

    /// Verifies a bundle file against the pinned organisation fingerprint and, when a counter
    /// store is given, refuses a counter lower than one already seen and records this one.
    public static func verify(_ fileBytes: [UInt8], pinned: Fingerprint, today: Date = Date(),
                              counters: BundleCounterStore?) throws -> RecipientBundle {
        guard let object = try? JSONSerialization.jsonObject(with: Data(fileBytes)) as? [String: Any] else {
            throw BundleError.malformed("not a JSON object")
        }
        guard object["type"] as? String == type else { throw BundleError.malformed("not a sealrelay bundle") }
        guard let v = object["v"] as? Int else { throw BundleError.malformed("missing version") }
        guard v == 1 || v == 2 else { throw BundleError.unsupportedVersion(v) }
        guard let file = try? JSONDecoder().decode(File.self, from: Data(fileBytes)),
              let bodyBytes = Base64URL.decode(file.body), let sig = Base64URL.decode(file.sig, count: 64)
        else { throw BundleError.malformed("body and sig must be base64url") }
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(bodyBytes)),
              let orgKey = Base64URL.decode(body.org, count: 32),
              let organisation = try? VerifyingKey(publicKey: orgKey)
        else { throw BundleError.malformed("the signed body is not a bundle body") }
        guard Sodium.constantTimeEqual(organisation.fingerprint.bytes, pinned.bytes) else {
            throw BundleError.wrongOrganisation
        }
        guard organisation.isValidSignature(sig, for: signatureContext(version: v) + bodyBytes) else {
            throw BundleError.badSignature
        }
        // Only now, with the signature checked, is the content worth interpreting.
        guard let notBefore = Day.parse(body.not_before), let notAfter = Day.parse(body.not_after) else {
            throw BundleError.malformed("validity dates must be YYYY-MM-DD")
        }
        let todayString = Day.string(today)
        guard let todayDay = Day.parse(todayString) else { throw BundleError.malformed("bad clock") }
        guard todayDay >= notBefore else { throw BundleError.notYetValid(body.not_before) }
        guard todayDay <= notAfter else { throw BundleError.expired(body.not_after) }
        var reviewers: [ReviewerPublicKey] = []
        for r in body.reviewers {
            guard let kid = KeyID(base64URL: r.kid), let x = Base64URL.decode(r.x25519), let w = Base64URL.decode(r.xwing) else {
                throw BundleError.malformed("reviewer \(r.name) has malformed keys")
            }
            do {
                reviewers.append(try ReviewerPublicKey(name: r.name, kid: kid, x25519: x, xwing: w))
            } catch {
                throw BundleError.malformed("reviewer \(r.name): \(error)")
            }
        }
        guard !reviewers.isEmpty else { throw BundleError.malformed("no reviewers") }
        var epochs: [EpochPublicKey] = []
        for r in body.reviewers {
            guard let list = r.epochs else { continue }
            guard v >= 2 else { throw BundleError.malformed("a version 1 bundle cannot carry epoch keys") }
            do {
                epochs += try list.map { try EpochPublicKey(reviewer: r.name, epoch: $0.epoch, kid: $0.kid, x25519: $0.x25519, xwing: $0.xwing) }
            } catch {
                throw BundleError.malformed("reviewer \(r.name): \(error)")
            }
        }
        try checkEpochs(epochs, reviewers: reviewers)
        epochs.sort { ($0.reviewer, $0.epoch) < ($1.reviewer, $1.epoch) }
        let relayKeys = v == 2 ? try Self.relayKeys(of: body, bodyBytes: bodyBytes) : []
        if let counters {
            try counters.accept(organisation: pinned, counter: body.counter)
        }
        return RecipientBundle(organisation: organisation, counter: body.counter, notBefore: body.not_before,
                               notAfter: body.not_after, relays: body.relays, reviewers: reviewers, epochs: epochs,
                               relayKeys: relayKeys,
                               body: bodyBytes, fileBytes: fileBytes)
    }

    /// Verifies a bundle against the organisation key inside it: for a relay serving the
    /// bundle and for showing a fingerprint, never for choosing whom to encrypt to.
    public static func verifySelfSigned(_ fileBytes: [UInt8]) throws -> RecipientBundle {
        guard let file = try? JSONDecoder().decode(File.self, from: Data(fileBytes)),
              let bodyBytes = Base64URL.decode(file.body),
              let body = try? JSONDecoder().decode(Body.self, from: Data(bodyBytes)),
              let org = Base64URL.decode(body.org, count: 32)
        else { return try verify(fileBytes, pinned: Fingerprint(of: []), counters: nil) }
        return try verify(fileBytes, pinned: Fingerprint(of: org), counters: nil)
    }

    public static func verify(path: String, pinned: Fingerprint, counters: BundleCounterStore?) throws -> RecipientBundle {
        try verify(InputFile.readAll(path: path, limit: 1 << 20), pinned: pinned, counters: counters)
    }

    /// A v2 body's relay keys, each a 32-byte Ed25519 public key.
    private static func relayKeys(of body: Body, bodyBytes: [UInt8]) throws -> [[UInt8]] {
        try (body.relay_keys ?? []).map { text in
            guard let key = Base64URL.decode(text, count: 32), (try? VerifyingKey(publicKey: key)) != nil else {
                throw BundleError.malformed("relay_keys must be base64url Ed25519 public keys")
            }
            return key
        }
    }
}
