import Crypto
import SealCore

/// What can be checked of an envelope without a key (docs/FORMAT.md §3-4), fed its bytes in order as
/// they arrive: the size limit, magic, header length bound, the header's exact shape, the
/// recipients (by `Delivery`), and at the end the Padmé-padded payload length; and its
/// content id, the SHA-256 of exactly the bytes fed. Both ways in, the single-request
/// `POST /v1/reports` and the chunked `/v1/uploads`, use this one value, so an envelope
/// is accepted by one exactly when it is accepted by the other. A value type, so a chunked
/// upload keeps it between requests.
struct EnvelopeValidator: Sendable {
    let delivery: Delivery
    let maxBytes: Int
    private(set) var total = 0
    private var hasher = SHA256()
    private var head: EnvelopeHead?
    /// The bytes seen while the head is still incomplete (at most the header bound).
    private var headBytes: [UInt8] = []

    /// The SHA-256 the body must have (a reviewer's signed `Content-Digest`), if any.
    let expectedDigest: [UInt8]?
    /// Whether a report addressed to `Decoy.kid` is taken as a decoy (`decoys = on`) rather
    /// than refused for its unknown recipient.
    let acceptsDecoys: Bool
    /// The head named `Decoy.kid`: check everything, store nothing.
    private(set) var isDecoy = false

    init(delivery: Delivery, maxBytes: Int, expectedDigest: [UInt8]? = nil, acceptsDecoys: Bool = false) {
        self.delivery = delivery
        self.maxBytes = maxBytes
        self.expectedDigest = expectedDigest
        self.acceptsDecoys = acceptsDecoys
    }

    /// Whether the head arrived and checked out: nothing is written to disk before (the
    /// intake holds the bytes), so a decoy never reaches it.
    var hasHead: Bool { head != nil }

    /// Takes the next bytes; throws as soon as they cannot be part of an acceptable envelope.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws {
        guard total + bytes.count <= maxBytes else { throw IntakeError.spool(.tooLarge(maxBytes)) }
        total += bytes.count
        hasher.update(bufferPointer: bytes)
        guard head == nil else { return }
        headBytes += bytes
        do {
            if let parsed = try EnvelopeHead.parse(headBytes) {
                if acceptsDecoys, case .report = delivery, parsed.header.kids.contains(Decoy.kid) {
                    isDecoy = true
                } else {
                    try delivery.check(parsed)
                }
                head = parsed
                headBytes = []
            }
        } catch let e as EnvelopeError {
            throw IntakeError.malformed(e.description)
        }
    }

    /// The verdict once every byte was fed: the receipt, the head and the size.
    func finish() throws -> (id: EnvelopeID, head: EnvelopeHead, size: Int) {
        let digest = hasher.finalize()
        if let expectedDigest, !expectedDigest.elementsEqual(digest) { throw IntakeError.digestMismatch }
        guard let head else { throw IntakeError.malformed("envelope is truncated inside its header") }
        try Self.checkPayloadLength(total - head.length)
        return (EnvelopeID(digest: digest), head, total)
    }

    /// The payload's length alone says whether it can be a padded report: whole 64 KiB
    /// chunks plus one shorter final chunk, carrying a Padmé length of at least 16 KiB.
    static func checkPayloadLength(_ payload: Int) throws {
        let wire = EnvelopeFormat.chunkSize + EnvelopeFormat.tagSize
        let full = payload / wire
        let rest = payload % wire
        guard rest == 0 || rest > EnvelopeFormat.tagSize else {
            throw IntakeError.malformed("envelope payload is truncated or has trailing bytes")
        }
        let plaintext = full * EnvelopeFormat.chunkSize + (rest == 0 ? 0 : rest - EnvelopeFormat.tagSize)
        guard plaintext >= Padme.minimumReportSize, Padme.padded(plaintext) == plaintext else {
            throw IntakeError.malformed("envelope payload length is not that of a padded report")
        }
    }
}
