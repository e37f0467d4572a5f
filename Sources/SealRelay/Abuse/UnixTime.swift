import Glibc

/// Whole seconds since the Unix epoch; the gate needs no finer time, and tests set it.
public struct UnixTime: Sendable, Comparable {
    public let seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    public static var now: UnixTime { UnixTime(seconds: Int(time(nil))) }

    var minute: Int { seconds / 60 }

    public static func < (a: UnixTime, b: UnixTime) -> Bool { a.seconds < b.seconds }
}
