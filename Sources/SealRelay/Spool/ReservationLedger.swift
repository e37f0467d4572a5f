/// Uploads in progress at this node and their share of the quotas, for a store whose
/// envelopes live elsewhere (`PostgresSpool`). The stored totals come from the database at
/// each reservation; with several nodes, each counts its own uploads, so the quotas bound
/// what is stored plus what this node is receiving (docs/ARCHITECTURE.md "Storage").
actor ReservationLedger {
    private var reservations: [Spool.Reservation: Int] = [:]
    private var next = 0
    /// What the database held at the last reservation.
    private var stored = (count: 0, bytes: 0)
    let quotas: Spool.Quotas

    init(quotas: Spool.Quotas) { self.quotas = quotas }

    func reserve(stored: (count: Int, bytes: Int)) throws -> Spool.Reservation {
        self.stored = stored
        guard stored.count + reservations.count < quotas.maxEnvelopes,
              stored.bytes + reservations.values.reduce(0, +) < quotas.maxSpoolBytes
        else { throw SpoolError.full }
        next += 1
        let r = Spool.Reservation(number: next)
        reservations[r] = 0
        return r
    }

    func charge(_ r: Spool.Reservation, total: Int) throws {
        guard total <= quotas.maxEnvelopeBytes else { throw SpoolError.tooLarge(quotas.maxEnvelopeBytes) }
        let others = reservations.filter { $0.key != r }.values.reduce(0, +)
        guard stored.bytes + others + total <= quotas.maxSpoolBytes else { throw SpoolError.full }
        reservations[r] = total
    }

    func release(_ r: Spool.Reservation) {
        reservations[r] = nil
    }
}
