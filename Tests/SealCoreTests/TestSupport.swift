import Foundation
@testable import SealCore

/// Deterministic test keys, so vectors can be regenerated bit for bit.
enum TestKeys {
    static func identity(_ name: String, seed: UInt8) throws -> ReviewerIdentity {
        try ReviewerIdentity(name: name,
                             x25519Secret: SecureBytes(copying: [UInt8](repeating: seed, count: 32)),
                             xwingSeed: SecureBytes(copying: [UInt8](repeating: seed &+ 1, count: 32)))
    }

    static func organisation(seed: UInt8 = 7) throws -> SigningKey {
        try SigningKey(kind: .organisation, seed: SecureBytes(copying: [UInt8](repeating: seed, count: 32)))
    }

    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 251) } }
}

/// Seals bytes to a file and opens them again through the public streaming API.
enum EnvelopeRoundTrip {
    static func seal(_ plaintext: [UInt8], to recipients: [ReviewerPublicKey], suite: EnvelopeSuite,
                     bundle: String = String(repeating: "ab", count: 32), at path: String) throws {
        var source = BytesSource(plaintext)
        let out = try AtomicFile(path: path, replaceExisting: true)
        try EnvelopeWriter.seal(&source, length: plaintext.count, to: recipients.map(EnvelopeRecipient.init(reviewer:)),
                                suite: suite, bundleID: bundle, into: out)
        try out.commit()
    }

    static func open(_ path: String, with key: ReviewerIdentity) throws -> BytesSink {
        var sink = BytesSink()
        _ = try EnvelopeReader.open(InputFile(path: path), with: key, into: &sink)
        return sink
    }
}
