/// Every refusal the relay can give, as the `code` of its error body (docs/API.md,
/// "Errors"). Clients decide what to do by this code, never by the status alone or by the
/// message text, which is for people and may change.
public enum RelayErrorCode: String, Codable, Sendable, CaseIterable {
    /// The envelope (or slice) is not one the relay accepts; the message says why.
    case malformed
    /// The body did not arrive whole (the client went away, or the relay is stopping).
    case incomplete
    /// Over `max_envelope_bytes`, or a slice over the largest slice.
    case tooLarge = "too_large"
    /// The spool's quotas or the disk are full: try again later.
    case spoolFull = "spool_full"
    /// The disk refused a write, fsync or rename: nothing was queued.
    case storageFailed = "storage_failed"
    /// A reviewer request without a valid signature from a credential this relay serves.
    /// An unknown credential and a bad signature get the same answer.
    case unauthorized
    /// A signature whose `created` time is outside the relay's window (check the clock).
    case signatureExpired = "signature_expired"
    /// A signature (its nonce) that was already used.
    case signatureReplayed = "signature_replayed"
    /// The body does not match the `Content-Digest` the signature covers.
    case digestMismatch = "digest_mismatch"
    /// A mailbox route without a well-formed `Mailbox-Secret`.
    case mailboxSecretRequired = "mailbox_secret_required"
    /// An upload slice without a well-formed `Upload-Offset`.
    case uploadOffsetRequired = "upload_offset_required"
    /// A chunked upload at another offset, or busy with another request; the body carries
    /// `offset`, where the upload stands.
    case uploadConflict = "upload_conflict"
    /// All `max_uploads` chunked-upload slots are taken: try again later.
    case tooManyUploads = "too_many_uploads"
    /// No such envelope, reply, upload or mailbox for this caller.
    case notFound = "not_found"
    /// The write needs proof of work: a missing, malformed, forged, expired, reused or
    /// under-worked `Seal-PoW` token. The body carries `pow`, a fresh challenge to solve.
    case powRequired = "pow_required"
    /// An edge relay could not reach its upstream to answer a mailbox read: try another
    /// relay, or later.
    case upstreamUnavailable = "upstream_unavailable"
    /// The relay's database (`storage = postgresql://…`) cannot be reached: nothing was
    /// stored or changed; try again later.
    case storageUnavailable = "storage_unavailable"

    /// The HTTP status each code is sent with.
    public var status: Int {
        switch self {
        case .malformed, .incomplete, .digestMismatch, .mailboxSecretRequired, .uploadOffsetRequired: return 400
        case .unauthorized, .signatureExpired, .signatureReplayed: return 401
        case .powRequired: return 403
        case .notFound: return 404
        case .uploadConflict: return 409
        case .tooLarge: return 413
        case .tooManyUploads, .upstreamUnavailable, .storageUnavailable: return 503
        case .spoolFull, .storageFailed: return 507
        }
    }

    /// Whether the same request may succeed later without any change.
    public var isTransient: Bool {
        switch self {
        case .spoolFull, .storageFailed, .tooManyUploads, .incomplete, .upstreamUnavailable, .storageUnavailable: return true
        default: return false
        }
    }
}
