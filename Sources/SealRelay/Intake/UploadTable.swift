import SealAPI
import SealCore

/// The uploads in progress, by id. A request takes an upload out ("checks it out") for as
/// long as it works on it and puts it back after, so two requests never write to one file
/// at once and the file I/O happens outside the actor. The clock is the monotonic one and
/// lives only in memory: it decides idleness and pace, and no time is stored or logged.
actor UploadTable {
    enum Slot {
        /// `since`: when the upload last gained a byte (an empty slice is not progress).
        case idle(ChunkedUpload, since: ContinuousClock.Instant)
        /// A request is working on it; `offset` is where it started.
        case busy(offset: Int, since: ContinuousClock.Instant)
    }

    enum CheckOut {
        case ok(ChunkedUpload)
        case missing
        /// The slice does not start where the upload ends, or another request holds it.
        case conflict(offset: Int)
    }

    let capacity: Int
    let idleTimeout: Duration
    let minimumBytesPerMinute: Int
    private var slots: [UploadID: Slot] = [:]
    private var paces: [UploadID: UploadPace] = [:]

    init(capacity: Int, idleTimeout: Duration, minimumBytesPerMinute: Int) {
        self.capacity = capacity
        self.idleTimeout = idleTimeout
        self.minimumBytesPerMinute = minimumBytesPerMinute
    }

    var count: Int { slots.count }
    var hasRoom: Bool { slots.count < capacity }

    /// Adds a new upload under a fresh id; nil when the table is full.
    func insert(_ upload: ChunkedUpload, now: ContinuousClock.Instant = .now) -> UploadID? {
        guard slots.count < capacity else { return nil }
        var id = UploadID.random()
        while slots[id] != nil { id = UploadID.random() }
        slots[id] = .idle(upload, since: now)
        paces[id] = UploadPace(minimumPerMinute: minimumBytesPerMinute, created: now)
        return id
    }

    /// Takes the upload out if it is idle and, when `offset` is given, ends exactly there.
    func checkOut(_ id: UploadID, at offset: Int?) -> CheckOut {
        switch slots[id] {
        case nil:
            return .missing
        case .busy(let current, _):
            return .conflict(offset: current)
        case .idle(let upload, let since):
            if let offset, offset != upload.offset { return .conflict(offset: upload.offset) }
            slots[id] = .busy(offset: upload.offset, since: since)
            return .ok(upload)
        }
    }

    /// Puts a checked-out upload back: idle from now if it gained bytes, else idle since
    /// when it last did.
    func checkIn(_ id: UploadID, _ upload: ChunkedUpload, now: ContinuousClock.Instant = .now) {
        guard case .busy(let started, let since) = slots[id] else { return }
        slots[id] = .idle(upload, since: upload.offset > started ? now : since)
    }

    /// Forgets a checked-out upload (completed or refused).
    func finish(_ id: UploadID) {
        slots[id] = nil
        paces[id] = nil
    }

    /// Removes every idle upload that is past the idle timeout or behind its pace and
    /// returns them, for the caller to delete. A busy one is never taken: its connection's
    /// idle timeout bounds it.
    func expire(now: ContinuousClock.Instant = .now) -> [ChunkedUpload] {
        var gone: [ChunkedUpload] = []
        for (id, slot) in slots {
            guard case .idle(let upload, let since) = slot else { continue }
            let keepsPace = paces[id]?.isKept(offset: upload.offset, now: now) ?? false
            if now - since > idleTimeout || !keepsPace {
                finish(id)
                gone.append(upload)
            }
        }
        return gone
    }
}
