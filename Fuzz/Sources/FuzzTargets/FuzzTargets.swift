import Foundation
import Glibc
import SealAPI
import SealCore
import SealScrub

/// The harnesses. Each takes one input as libFuzzer hands it and must return normally for
/// every input: a trap, an address-sanitizer report, a timeout or memory past the limit is
/// a finding. Where a parser accepts its input, the harness also checks what the rest of
/// the system relies on (a cleaned file is clean), so a wrong answer is a finding too.
public enum FuzzTargets {
    /// The part of an envelope the relay reads before any key: magic, header length, the
    /// header's JSON shape, the recipients.
    public static func envelopeHead(_ data: UnsafeRawBufferPointer) {
        guard let head = try? EnvelopeHead.parse(Array(data)) else { return }
        precondition(head.length <= data.count, "a parsed head claims more bytes than it was given")
        try? head.requireRecipients(in: [])
    }

    /// A recipient bundle as a relay or a client receives it.
    public static func bundle(_ data: UnsafeRawBufferPointer) {
        _ = try? RecipientBundle.verifySelfSigned(Array(data))
    }

    /// Key files as `seal` reads them from disk: the first byte picks which reader, the rest
    /// is the file (written to memory-backed /dev/shm; the readers take paths).
    public static func keyFile(_ data: UnsafeRawBufferPointer) {
        guard let selector = data.first else { return }
        let path = "/dev/shm/sealrelay-fuzz-key-\(getpid())"
        guard (try? AtomicFile.write(Array(data.dropFirst()), to: path, mode: 0o600, replaceExisting: true)) != nil else {
            preconditionFailure("cannot write \(path)")
        }
        defer { unlink(path) }
        switch selector % 4 {
        case 0: _ = try? ReviewerIdentity.read(path: path, passphrase: { nil })
        case 1: _ = try? SigningKey.read(path: path, organisation: true, passphrase: { nil })
        case 2: _ = try? ReviewerPublicKey.read(path: path)
        default: _ = try? VerifyingKey.read(path: path, organisation: false)
        }
    }

    /// RFC 9421 request signatures: `Signature-Input`, a newline, `Signature`.
    public static func requestSignature(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        _ = try? HTTPMessageSignature.parse(signatureInput: parts.first.map(String.init),
                                            signature: parts.count > 1 ? String(parts[1]) : nil)
    }

    /// The `Seal-PoW` header a source presents.
    public static func powToken(_ data: UnsafeRawBufferPointer) {
        guard let token = PoWToken(header: String(decoding: data, as: UTF8.self)) else { return }
        precondition(PoWToken(header: token.header) == token, "a token does not survive its own encoding")
    }

    /// One scrubber on a file of its type, in memory. A file it cleans must come out clean:
    /// its own inspection of the output finds nothing, and cleaning the output again
    /// removes nothing more.
    public static func scrub(_ type: ContentType, _ data: UnsafeRawBufferPointer) {
        guard let scrubber = Scrubbers.scrubber(for: type) else { preconditionFailure("no scrubber for \(type)") }
        let input = InputFile(bytes: Array(data), name: "input")
        _ = try? scrubber.inspect(input)
        let output = AtomicFile(inMemoryNamed: "output")
        guard (try? scrubber.scrub(InputFile(bytes: Array(data), name: "input"), into: output)) != nil,
              let cleaned = output.memory else { return }
        let left = (try? scrubber.inspect(InputFile(bytes: cleaned, name: "cleaned"))) ?? []
        precondition(left.isEmpty, "\(type): the cleaned file still carries \(left)")
    }
}
