import Foundation

/// A calendar month in UTC ("YYYY-MM"), the lifetime of one epoch key (docs/FORMAT.md,
/// "Epoch keys"). Months, not days, so the key a sender picks says nothing finer about
/// when a report was sealed.
public struct EpochMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (2000...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Accepts exactly "YYYY-MM", so one month has one spelling everywhere it is compared.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
              bytes.enumerated().allSatisfy({ $0.offset == 4 || (0x30...0x39).contains($0.element) }),
              let y = Int(text.prefix(4)), let m = Int(text.suffix(2))
        else { return nil }
        self.init(year: y, month: m)
    }

    /// The month `date` falls in, in UTC.
    public static func containing(_ date: Date) -> EpochMonth {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month], from: date)
        // The calendar always yields a year and month; the fallback keeps this total.
        return EpochMonth(year: parts.year ?? 2000, month: parts.month ?? 1) ?? EpochMonth(unchecked: 2000, 1)
    }

    private init(unchecked year: Int, _ month: Int) {
        self.year = year
        self.month = month
    }

    public func adding(months n: Int) -> EpochMonth? {
        let index = year * 12 + (month - 1) + n
        return EpochMonth(year: index / 12, month: index % 12 + 1)
    }

    public var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        return "\(year)-\(m)"
    }

    public static func < (a: EpochMonth, b: EpochMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
}
