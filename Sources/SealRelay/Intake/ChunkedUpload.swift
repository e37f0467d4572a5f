import SealCore

/// One upload between requests: its partial file in `incoming/` (made once the envelope's
/// head checked out; never for a decoy), its share of the spool's quotas, and the validator
/// that has seen every byte received and holds those that came before the file.
struct ChunkedUpload: Sendable {
    var file: PartialFile?
    let reservation: Spool.Reservation
    var validator: EnvelopeValidator
    /// Bytes last charged to the spool's shared quota.
    var charged = 0

    /// Bytes received so far: the only offset a next slice may start at.
    var offset: Int { validator.total }
}
