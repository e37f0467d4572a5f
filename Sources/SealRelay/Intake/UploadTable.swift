import SealAPI
import SealCore

/// The uploads in progress, by id. A request takes an upload out ("checks it out") for as
/// long as it works on it and puts it back after, so two requests never write to one file
/// at once and the file I/O happens outside the actor. The clock is the monotonic one and
/// lives only in memory: it decides idleness, and no time is stored or logged.
actor UploadTable {
    enum Slot {
        case idle(ChunkedUpload, since: ContinuousClock.Instant)
        /// A request is working on it; `offset` is where it started.
        case busy(offset: Int)
    }

    enum CheckOut {
        case ok(ChunkedUpload)
        case missing
        /// The slice does not start where the upload ends, or another request holds it.
        case conflict(offset: Int)
    }

    let capacity: Int
    let idleTimeout: Duration
    private var slots: [UploadID: Slot] = [:]

    init(capacity: Int, idleTimeout: Duration) {
        self.capacity = capacity
        self.idleTimeout = idleTimeout
    }

    var count: Int { slots.count }
    var hasRoom: Bool { slots.count < capacity }

    /// Adds a new upload under a fresh id; nil when the table is full.
    func insert(_ upload: ChunkedUpload) -> UploadID? {
        guard slots.count < capacity else { return nil }
        var id = UploadID.random()
        while slots[id] != nil { id = UploadID.random() }
        slots[id] = .idle(upload, since: .now)
        return id
    }

    /// Takes the upload out if it is idle and, when `offset` is given, ends exactly there.
    func checkOut(_ id: UploadID, at offset: Int?) -> CheckOut {
        switch slots[id] {
        case nil:
            return .missing
        case .busy(let current):
            return .conflict(offset: current)
        case .idle(let upload, _):
            if let offset, offset != upload.offset { return .conflict(offset: upload.offset) }
            slots[id] = .busy(offset: upload.offset)
            return .ok(upload)
        }
    }

    /// Puts a checked-out upload back, idle from now.
    func checkIn(_ id: UploadID, _ upload: ChunkedUpload) {
        slots[id] = .idle(upload, since: .now)
    }

    /// Forgets a checked-out upload (completed or refused).
    func finish(_ id: UploadID) {
        slots[id] = nil
    }

    /// Removes every upload idle for longer than the timeout and returns them, for the
    /// caller to delete. A busy one is never taken: its connection's idle timeout bounds it.
    func expire(now: ContinuousClock.Instant = .now) -> [ChunkedUpload] {
        var gone: [ChunkedUpload] = []
        for (id, slot) in slots {
            if case .idle(let upload, let since) = slot, now - since > idleTimeout {
                slots[id] = nil
                gone.append(upload)
            }
        }
        return gone
    }
}
