import CSodium
import Foundation

/// Secret bytes in libsodium's guarded memory: locked out of swap where the system allows,
/// surrounded by guard pages, excluded from core dumps, and wiped when released.
///
/// Immutable once built, so it can cross concurrency boundaries.
public final class SecureBytes: @unchecked Sendable, ContiguousBytes {
    private let pointer: UnsafeMutableRawPointer
    public let count: Int

    /// Allocates `count` zero bytes and lets `fill` write them; the only way to put secret
    /// bytes in, so they never have to exist in an ordinary array first.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        Sodium.ready()
        // sodium_malloc(0) is legal but returns a pointer we must not write; allocate one byte.
        guard let p = sodium_malloc(max(count, 1)) else {
            fatalError("sodium_malloc failed: out of memory")
        }
        sodium_memzero(p, max(count, 1))
        self.pointer = p
        self.count = count
        // If `fill` throws, deinit still runs (every property is set) and frees the buffer.
        try fill(UnsafeMutableRawBufferPointer(start: p, count: count))
    }

    /// Copies bytes in; the caller stays responsible for wiping its own copy.
    public convenience init(copying bytes: some ContiguousBytes) {
        let n = bytes.withUnsafeBytes { $0.count }
        self.init(count: n) { dst in
            bytes.withUnsafeBytes { src in
                if n > 0 { dst.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: n) }
            }
        }
    }

    /// Fresh random secret bytes from the system CSPRNG.
    public static func random(count: Int) -> SecureBytes {
        SecureBytes(count: count) { buf in
            if let p = buf.baseAddress { randombytes_buf(p, buf.count) }
        }
    }

    deinit {
        sodium_free(pointer)  // sodium_free wipes before releasing
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The same as `init(count:fill:)` for C functions that want a typed, non-null pointer.
    public convenience init(count: Int, fillBytes: (UnsafeMutablePointer<UInt8>, Int) throws -> Void) rethrows {
        try self.init(count: count) { buffer in
            // Never nil: the storage is allocated with at least one byte.
            try fillBytes(buffer.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self), buffer.count)
        }
    }

    /// Typed, non-null access for C functions.
    public func withBytePointer<R>(_ body: (UnsafePointer<UInt8>, Int) throws -> R) rethrows -> R {
        try body(UnsafePointer(pointer.assumingMemoryBound(to: UInt8.self)), count)
    }

    /// A new guarded buffer holding bytes `range` of this one.
    public func slice(_ range: Range<Int>) -> SecureBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return SecureBytes(count: range.count) { dst in
            if range.count > 0 {
                dst.baseAddress!.copyMemory(from: pointer + range.lowerBound, byteCount: range.count)
            }
        }
    }

    public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
        Sodium.constantTimeEqual(lhs, rhs)
    }
}

