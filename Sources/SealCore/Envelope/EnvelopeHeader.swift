import Crypto
import Foundation

/// The parsed, shape-checked header of an envelope. Everything here can be validated
/// without a key, which is what the relay does before it accepts an upload.
public struct EnvelopeHeader: Sendable, Equatable {
    public let bundle: String
    public let suite: EnvelopeSuite
    public let stanzas: [Stanza]
    public let kids: [KeyID]
    public let salt: [UInt8]
    /// The exact header bytes the MAC covers.
    public let bytes: [UInt8]

    struct Wire: Codable {
        var v: Int
        var bundle: String
        var stanzas: [Stanza]
        var chunk: Int
        var salt: String
    }

    static func encode(bundle: String, stanzas: [Stanza], salt: [UInt8]) throws -> [UInt8] {
        Array(try JSON.encoder.encode(Wire(v: 1, bundle: bundle, stanzas: stanzas, chunk: EnvelopeFormat.chunkSize,
                                           salt: Base64URL.encode(salt))))
    }

    /// Strict parse: exact key sets, sizes, one suite, no duplicate kid.
    public init(parsing bytes: [UInt8]) throws {
        func fail(_ why: String) -> EnvelopeError { .malformedHeader(why) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw fail("not a JSON object")
        }
        if let v = object["v"] as? Int, v != 1 { throw EnvelopeError.unsupportedVersion }
        guard Set(object.keys) == ["v", "bundle", "stanzas", "chunk", "salt"] else {
            throw fail("expected exactly the keys v, bundle, stanzas, chunk, salt")
        }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)) else { throw fail("wrong field types") }
        guard wire.v == 1 else { throw EnvelopeError.unsupportedVersion }
        guard wire.chunk == EnvelopeFormat.chunkSize else { throw fail("chunk must be \(EnvelopeFormat.chunkSize)") }
        guard wire.bundle.utf8.count == 64, let b = Hex.decode(wire.bundle), Hex.encode(b) == wire.bundle else {
            throw fail("bundle must be 64 lowercase hex characters")
        }
        guard let salt = Base64URL.decode(wire.salt, count: EnvelopeFormat.saltSize) else { throw fail("salt must be 16 bytes") }
        guard (1...EnvelopeFormat.maxStanzas).contains(wire.stanzas.count) else {
            throw fail("between 1 and \(EnvelopeFormat.maxStanzas) stanzas are allowed")
        }
        if let raw = object["stanzas"] as? [[String: Any]],
           raw.contains(where: { Set($0.keys) != ["kid", "suite", "enc", "ct"] }) {
            throw fail("each stanza has exactly kid, suite, enc, ct")
        }
        guard let suite = EnvelopeSuite(rawValue: wire.stanzas[0].suite) else { throw fail("unknown suite") }
        var kids: [KeyID] = []
        for stanza in wire.stanzas {
            guard stanza.suite == suite.rawValue else { throw fail("stanzas mix suites") }
            guard let kid = KeyID(base64URL: stanza.kid) else { throw fail("kid must be 16 bytes") }
            guard Base64URL.decode(stanza.enc, count: suite.encapsulatedKeySize) != nil else {
                throw fail("enc must be \(suite.encapsulatedKeySize) bytes for \(suite.rawValue)")
            }
            guard Base64URL.decode(stanza.ct, count: EnvelopeFormat.stanzaCiphertextSize) != nil else {
                throw fail("ct must be \(EnvelopeFormat.stanzaCiphertextSize) bytes")
            }
            kids.append(kid)
        }
        guard Set(kids).count == kids.count else { throw fail("a kid appears twice") }
        self.bundle = wire.bundle
        self.suite = suite
        self.stanzas = wire.stanzas
        self.kids = kids
        self.salt = salt
        self.bytes = bytes
    }
}
