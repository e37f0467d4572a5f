import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Substring search in bytes; metadata packets are scanned, never decoded as a whole.
/// memchr finds candidate first bytes, so a large packet is not walked byte by byte.
func bytesContain(_ haystack: [UInt8], _ needle: String) -> Bool {
    let n = Array(needle.utf8)
    guard let first = n.first, haystack.count >= n.count else { return false }
    return haystack.withUnsafeBytes { h -> Bool in
        guard let base = h.baseAddress else { return false }
        var at = 0
        let last = h.count - n.count
        while at <= last {
            guard let hit = memchr(base + at, Int32(first), last - at + 1) else { return false }
            let i = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + i, n, n.count) == 0 { return true }
            at = i + 1
        }
        return false
    }
}
