/// The pace an open upload must keep to hold its slot (docs/API.md "Chunked uploads"): at
/// least a minimum of new bytes in every full minute after its first. Without it, 64 tokens
/// bought once at the floor difficulty would hold every slot for an hour with empty slices.
///
/// It is judged only between requests: a slice still arriving is bounded by its connection's
/// idle timeout instead, and the bytes it brings count for the minute in which it ends.
struct UploadPace: Sendable {
    let minimumPerMinute: Int
    let created: ContinuousClock.Instant
    private var windowStart: ContinuousClock.Instant
    private var offsetAtWindowStart = 0

    init(minimumPerMinute: Int, created: ContinuousClock.Instant) {
        self.minimumPerMinute = minimumPerMinute
        self.created = created
        self.windowStart = created + .seconds(60)
    }

    /// False once a full minute has passed since the window began with fewer than the
    /// minimum new bytes; otherwise starts the next window when one is due.
    mutating func isKept(offset: Int, now: ContinuousClock.Instant) -> Bool {
        guard now - windowStart >= .seconds(60) else { return true }
        guard offset - offsetAtWindowStart >= minimumPerMinute else { return false }
        windowStart = now
        offsetAtWindowStart = offset
        return true
    }
}
