/// A record, shared by every relay node, of what may be used only once: proof-of-work
/// challenges and signature nonces (docs/ARCHITECTURE.md "Storage"). With the file backend
/// there is none (each node is the whole relay and keeps its own in memory and in files).
///
/// A key is kept until the end of a day, never with a finer time: a seized record must not
/// date a request (SECURITY.md).
protocol UsedOnceRecord: Sendable {
    /// Records `key`, to be kept at least until day `day` (days since 1970) is over; false
    /// if it was recorded already, by this node or another. Throws `SpoolError.unavailable`
    /// when the record cannot be reached: the caller must then refuse, never admit unrecorded.
    func insert(_ key: [UInt8], untilDay day: Int) async throws -> Bool
}
