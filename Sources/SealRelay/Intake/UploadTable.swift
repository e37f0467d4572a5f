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

    /// How long a new upload is safe from being displaced: time to send its first slice.
    static let displacementGrace: Duration = .seconds(10)

    var count: Int { slots.count }

    /// True when a new upload would get a slot: a free one, or one `displace` may take.
    func hasRoom(now: ContinuousClock.Instant = .now) -> Bool {
        slots.count < capacity || displaceable(now: now) != nil
    }

    /// Adds a new upload under a fresh id (or under `chosen`, an upload another node
    /// created); nil when every slot is taken and none may be displaced, or `chosen` is here
    /// already. `displaced` is the upload that made room, for the caller to delete.
    func insert(_ upload: ChunkedUpload, as chosen: UploadID? = nil,
                now: ContinuousClock.Instant = .now) -> (id: UploadID, displaced: (id: UploadID, upload: ChunkedUpload)?)? {
        if let chosen, slots[chosen] != nil { return nil }
        var displaced: (id: UploadID, upload: ChunkedUpload)?
        if slots.count >= capacity {
            guard let victim = displaceable(now: now), case .idle(let old, _) = slots[victim] else { return nil }
            finish(victim)
            displaced = (victim, old)
        }
        var id = chosen ?? UploadID.random()
        while chosen == nil, slots[id] != nil { id = UploadID.random() }
        slots[id] = .idle(upload, since: now)
        paces[id] = UploadPace(minimumPerMinute: minimumBytesPerMinute, created: now)
        return (id, displaced)
    }

    /// The slowest upload between slices and past its grace (fewest bytes per second since
    /// it was created), or nil. This is what makes slots fair (docs/API.md "Chunked
    /// uploads"): whoever holds slots by trickling bytes gives them up to a paying newcomer,
    /// and keeping one costs as much bandwidth as the genuine uploads it competes with.
    private func displaceable(now: ContinuousClock.Instant) -> UploadID? {
        var slowest: (id: UploadID, rate: Double)?
        for (id, slot) in slots {
            guard case .idle(let upload, _) = slot, let created = paces[id]?.created else { continue }
            let age = now - created
            guard age >= Self.displacementGrace else { continue }
            let rate = Double(upload.offset) / Double(age.components.seconds + 1)
            if rate < (slowest?.rate ?? .infinity) { slowest = (id, rate) }
        }
        return slowest?.id
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
    func expire(now: ContinuousClock.Instant = .now) -> [(id: UploadID, upload: ChunkedUpload)] {
        var gone: [(id: UploadID, upload: ChunkedUpload)] = []
        for (id, slot) in slots {
            guard case .idle(let upload, let since) = slot else { continue }
            let keepsPace = paces[id]?.isKept(offset: upload.offset, now: now) ?? false
            if now - since > idleTimeout || !keepsPace {
                finish(id)
                gone.append((id, upload))
            }
        }
        return gone
    }
}
