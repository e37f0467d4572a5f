/// Padmé padding (Nikitin et al., PETS 2019): rounds a length up so that it reveals only
/// O(log log n) bits, with at most 12% overhead. Reports are first raised to 16 KiB so
/// every short message has the same size (docs/FORMAT.md §3-4).
public enum Padme {
    public static let minimumReportSize = 16384

    public static func padded(_ n: Int) -> Int {
        guard n >= 2 else { return n }
        let e = Int.bitWidth - 1 - n.leadingZeroBitCount          // ⌊log2 n⌋
        let s = Int.bitWidth - 1 - e.leadingZeroBitCount + 1      // ⌊log2 E⌋ + 1
        let mask = (1 << max(e - s, 0)) - 1
        return (n + mask) & ~mask
    }

    /// The padded plaintext length of a report whose unpadded length is `n`.
    public static func reportLength(unpadded n: Int) -> Int { padded(max(n, minimumReportSize)) }
}
