import Crypto
import Foundation
import SealTestSupport
import Testing
@testable import SealCore

/// The test vectors of docs/FORMAT.md: fixed keys, file key, salt and plaintext in, exact
/// envelope bytes out; and negative vectors that every reader must refuse. HPKE
/// encapsulation is randomised, so each vector fixes its stanzas too (made once by this
/// implementation, opened by the independent Python one in Tests/interop).
///
/// Regenerate with `SEAL_WRITE_VECTORS=1 swift test --filter EnvelopeVectorTests`.
@Suite("Envelope test vectors")
struct EnvelopeVectorTests {
    struct Vector: Codable {
        var name: String
        var suite: String
        var reviewer_x25519_secret: String
        var reviewer_xwing_seed: String
        var kid: String
        var file_key: String
        var salt: String
        var bundle: String
        var stanzas: [Stanza]
        var plaintext_rule: String
        var plaintext_length: Int
        var plaintext_sha256: String
        var envelope: String
    }

    struct Negative: Codable {
        var name: String
        var from: String
        var envelope: String
        var error: String
    }

    struct File: Codable {
        var comment: String
        var vectors: [Vector]
        var negative: [Negative]
    }

    static let sourceVectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Vectors/envelope-v1.json")

    static func load() throws -> File {
        let url = try #require(Bundle.module.url(forResource: "Vectors/envelope-v1", withExtension: "json"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }

    static func identity(_ v: Vector) throws -> ReviewerIdentity {
        try ReviewerIdentity(name: "vector",
                             x25519Secret: SecureBytes(copying: try #require(Hex.decode(v.reviewer_x25519_secret))),
                             xwingSeed: SecureBytes(copying: try #require(Hex.decode(v.reviewer_xwing_seed))))
    }

    /// Byte i of a vector's plaintext is i mod 251: easy to regenerate in any language.
    static func plaintext(_ length: Int) -> [UInt8] { TestKeys.pattern(length) }

    static func sealDeterministically(_ v: Vector) throws -> [UInt8] {
        let out = EnvelopeBytes()
        var source = BytesSource(plaintext(v.plaintext_length))
        let writer = try EnvelopeWriter(length: v.plaintext_length, fileKey: FileKey(bytes: try #require(Hex.decode(v.file_key))),
                                        stanzas: v.stanzas, salt: try #require(Hex.decode(v.salt)), bundleID: v.bundle, into: out)
        try writer.sealAll(&source)
        return out.bytes
    }

    static func open(_ envelope: [UInt8], with identity: ReviewerIdentity) throws -> [UInt8] {
        let dir = TemporaryDirectory()
        let path = try dir.write(envelope, to: "v.seal")
        return try EnvelopeRoundTrip.open(path, with: identity).bytes
    }

    @Test("the writer reproduces every vector's envelope byte for byte")
    func writerMatchesVectors() throws {
        let file = try Self.load()
        #expect(file.vectors.count == 2)
        for v in file.vectors {
            #expect(Base64URL.encode(try Self.sealDeterministically(v)) == v.envelope, "\(v.name)")
        }
    }

    @Test("the reader opens every vector to its plaintext")
    func readerOpensVectors() throws {
        for v in try Self.load().vectors {
            let opened = try Self.open(try #require(Base64URL.decode(v.envelope)), with: Self.identity(v))
            #expect(opened.count == v.plaintext_length)
            #expect(Hex.encode(SHA256.hash(data: opened)) == v.plaintext_sha256, "\(v.name)")
        }
    }

    @Test("the reader refuses every negative vector with its specific error")
    func readerRefusesNegativeVectors() throws {
        let file = try Self.load()
        #expect(file.negative.count >= 7)
        for n in file.negative {
            let base = try #require(file.vectors.first { $0.name == n.from })
            let envelope = try #require(Base64URL.decode(n.envelope))
            do {
                _ = try Self.open(envelope, with: Self.identity(base))
                Issue.record("\(n.name) was accepted")
            } catch let error as EnvelopeError {
                #expect(error.code == n.error, "\(n.name): \(error)")
            }
        }
    }

    // MARK: generation

    @Test("regenerate the vector file when asked", .enabled(if: ProcessInfo.processInfo.environment["SEAL_WRITE_VECTORS"] != nil))
    func generate() throws {
        let reviewer = try TestKeys.identity("vector", seed: 0x42)
        func vector(name: String, suite: EnvelopeSuite, length: Int, fileKey: UInt8, salt: UInt8) throws -> Vector {
            let key = FileKey(bytes: [UInt8](repeating: fileKey, count: 32))
            let stanza = try EnvelopeRecipient(reviewer: reviewer.publicKey).wrap(key, suite: suite)
            var v = Vector(name: name, suite: suite.rawValue,
                           reviewer_x25519_secret: Hex.encode([UInt8](repeating: 0x42, count: 32)),
                           reviewer_xwing_seed: Hex.encode([UInt8](repeating: 0x43, count: 32)),
                           kid: reviewer.kid.base64URL, file_key: Hex.encode([UInt8](repeating: fileKey, count: 32)),
                           salt: Hex.encode([UInt8](repeating: salt, count: 16)),
                           bundle: Hex.encode(SHA256.hash(data: Array("vector bundle".utf8))), stanzas: [stanza],
                           plaintext_rule: "byte i = i mod 251", plaintext_length: length,
                           plaintext_sha256: Hex.encode(SHA256.hash(data: Self.plaintext(length))), envelope: "")
            v.envelope = Base64URL.encode(try Self.sealDeterministically(v))
            return v
        }
        let twoChunks = try vector(name: "x25519-two-full-chunks", suite: .x25519, length: 2 * 65536, fileKey: 0x11, salt: 0x22)
        let xwing = try vector(name: "xwing-one-chunk", suite: .xwing, length: 16384, fileKey: 0x33, salt: 0x44)

        let env = try #require(Base64URL.decode(twoChunks.envelope))
        let head = try #require(try EnvelopeHead.parse(env))
        let wire = 65536 + 16
        let payload = head.length
        func negative(_ name: String, _ error: String, _ bytes: [UInt8]) -> Negative {
            Negative(name: name, from: twoChunks.name, envelope: Base64URL.encode(bytes), error: error)
        }
        var flippedMAC = env
        flippedMAC[head.length - 1] ^= 0x01
        let truncatedLast = Array(env.dropLast(10))
        let missingLast = Array(env.prefix(payload + wire))
        let swapped = Array(env.prefix(payload)) + env[(payload + wire)..<(payload + 2 * wire)] + env[payload..<(payload + wire)]
        let trailing = env + [0x00]
        var version = env
        version[4] = UInt8(ascii: "2")
        var oversized = env
        oversized[6...9] = [0x00, 0x04, 0x00, 0x01]
        let otherKid = Base64URL.encode([UInt8](repeating: 0xEE, count: 16))
        let headerText = String(decoding: head.header.bytes, as: UTF8.self).replacingOccurrences(of: twoChunks.kid, with: otherKid)
        let unknownKid = Array(env.prefix(EnvelopeFormat.prefixSize)) + Array(headerText.utf8) + env[(head.length - 32)...]
        let file = File(
            comment: "SealRelay envelope v1 vectors; see docs/FORMAT.md section 'Test vectors'. Binary values are hex, envelopes base64url.",
            vectors: [twoChunks, xwing],
            negative: [
                negative("flipped-header-mac", "badHeaderMAC", flippedMAC),
                negative("truncated-last-chunk", "badChunk", truncatedLast),
                negative("missing-last-chunk", "missingLastChunk", missingLast),
                negative("chunks-swapped", "badChunk", swapped),
                negative("trailing-garbage", "trailingData", trailing),
                negative("unknown-version", "unsupportedVersion", version),
                negative("unknown-kid", "notAddressedToYou", unknownKid),
                negative("oversized-header-length", "headerLength", oversized),
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(file).write(to: Self.sourceVectors)
    }
}
