import CoreFoundation
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// File times are the one place a spool could leak arrival times; every file and
/// directory the spool touches gets a day-resolution (or fixed) time instead.
enum FileTimes {
    static func set(_ path: String, to date: Date) {
        let seconds = Int(date.timeIntervalSince1970)
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    /// Directories change time with every entry; they are reset to the epoch.
    static func normaliseDirectory(_ path: String) {
        set(path, to: Date(timeIntervalSince1970: 0))
    }

    /// An open file's times, reset to the epoch.
    static func normalise(descriptor fd: Int32) {
        var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: 0)]
        _ = futimens(fd, &times)
    }
}
