import SealCore

/// One upload between requests: its bytes (written to a partial file in `incoming/` at the
/// end of each slice once the envelope's head checked out; never a decoy's), its share of the spool's quotas, and the validator that has seen
/// exactly those bytes.
struct ChunkedUpload: Sendable {
    var bytes = IncomingBytes()
    let reservation: Spool.Reservation
    var validator: EnvelopeValidator
    /// Bytes last charged to the spool's shared quota.
    var charged = 0
    /// With PostgreSQL storage, how many of its bytes the database holds (the rest are
    /// pending): where the next write there must start (`PostgresUploads.append`).
    var stored = 0

    /// Bytes received so far: the only offset a next slice may start at.
    var offset: Int { validator.total }
}
