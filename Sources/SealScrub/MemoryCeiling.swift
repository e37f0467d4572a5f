import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// A ceiling on how much more memory the process may take while a C library parses a
/// hostile file. qpdf keeps every parsed object and inflates object streams whole, and its
/// C API has no limit of its own; under this ceiling its allocations fail, it unwinds, and
/// the file is refused with an error instead of taking the machine's memory.
///
/// The limit is RLIMIT_DATA (private writable memory), raised back when the parse ends.
/// It is process-wide, so it is only used where nothing else runs: `seal` scrubs one file
/// at a time before any encryption starts.
enum MemoryCeiling {
    static func run<T>(allowing extra: Int, _ body: () throws -> T) rethrows -> T {
        var previous = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_DATA.rawValue), &previous) == 0, let used = dataBytesInUse() else {
            return try body()
        }
        var ceiling = previous
        ceiling.rlim_cur = min(previous.rlim_cur, rlim_t(used + extra))
        guard setrlimit(__rlimit_resource_t(RLIMIT_DATA.rawValue), &ceiling) == 0 else { return try body() }
        defer { _ = setrlimit(__rlimit_resource_t(RLIMIT_DATA.rawValue), &previous) }
        return try body()
    }

    /// VmData from /proc/self/status: what RLIMIT_DATA is compared against.
    static func dataBytesInUse() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmData:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kib * 1024
    }
}
