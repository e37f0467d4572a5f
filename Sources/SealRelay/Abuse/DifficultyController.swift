/// How many bits of proof of work the relay asks for now (docs/API.md, "Proof of work").
///
/// Writes (accepted reports and created uploads) are counted per minute over the last five
/// minutes. Each doubling of that rate above the calm rate adds a bit, and so does each 5%
/// of the spool's capacity in use above 80%, up to the ceiling; never below the floor. A
/// rise takes effect at once (a flood must pay immediately); the fall is one bit a minute, so
/// a flood that pauses for a moment does not find the relay cheap again.
struct DifficultyController: Sendable {
    let floorBits: Int
    let maxBits: Int
    /// Writes per minute that count as calm.
    let calmRate: Double
    static let window = 5

    private var writes: [Int: Int] = [:]
    private var current: Int
    /// The last minute `current` was brought up to date for.
    private var evaluated: Int?

    init(floorBits: Int, maxBits: Int, calmRate: Double) {
        self.floorBits = floorBits
        self.maxBits = max(floorBits, maxBits)
        self.calmRate = max(calmRate, 1)
        self.current = floorBits
    }

    mutating func recordWrite(minute: Int) {
        writes[minute, default: 0] += 1
        writes = writes.filter { $0.key > minute - Self.window }
    }

    /// The bits to ask for at `minute`, given how full the spool is (0...1). Minutes nobody
    /// asked about are stepped through, so the fall is one bit a minute however rarely this
    /// is called.
    mutating func bits(minute: Int, spoolFill: Double) -> Int {
        // After this many quiet minutes the answer is the floor whatever came before.
        let first = max((evaluated ?? minute) + 1, minute - (maxBits - floorBits + Self.window))
        for m in min(first, minute)...minute {
            let target = target(minute: m, spoolFill: spoolFill)
            current = target >= current ? target : max(target, current - 1)
        }
        evaluated = minute
        return current
    }

    private func target(minute: Int, spoolFill: Double) -> Int {
        let recent = writes.filter { $0.key <= minute && $0.key > minute - Self.window }.values.reduce(0, +)
        let ratio = Int(Double(recent) / Double(Self.window) / calmRate)
        let forRate = ratio >= 2 ? ratio.bitWidth - ratio.leadingZeroBitCount - 1 : 0
        let forFill = spoolFill > 0.8 ? min(4, Int(((spoolFill - 0.8) / 0.05).rounded(.down)) + 1) : 0
        return min(maxBits, floorBits + forRate + forFill)
    }
}
