import Crypto
import Foundation

/// Calendar days in UTC, the only time resolution bundles carry.
enum Day {
    private static func formatter() -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f
    }

    static func string(_ date: Date) -> String { formatter().string(from: date) }

    static func parse(_ s: String) -> Date? {
        guard s.utf8.count == 10, let d = formatter().date(from: s), string(d) == s else { return nil }
        return d
    }
}
