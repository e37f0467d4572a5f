/// Unsigned big-endian integers out of bytes someone else wrote: the envelope and report
/// lengths (docs/FORMAT.md §3-4), and the boxes, chunks and segments of the files the
/// scrubbers read. Every read is bounds-checked and answers nil instead of trapping, so a
/// lying length field cannot crash the reader.
public struct BigEndianReader: Sendable {
    public let bytes: [UInt8]

    public init(_ bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// The `width`-byte integer at `offset` (width 0...8); nil when it does not fit in the
    /// bytes or in an `Int`.
    public func uint(at offset: Int, width: Int) -> Int? {
        Self.uint(in: bytes, at: offset, width: width)
    }

    /// The same read on bytes the caller holds, without copying them.
    public static func uint(in bytes: [UInt8], at offset: Int, width: Int) -> Int? {
        guard (0...8).contains(width), offset >= 0, offset <= bytes.count - width else { return nil }
        var value: UInt64 = 0
        for byte in bytes[offset..<(offset + width)] { value = value << 8 | UInt64(byte) }
        return value > UInt64(Int.max) ? nil : Int(value)
    }

    public func u8(at offset: Int) -> Int? { uint(at: offset, width: 1) }
    public func u16(at offset: Int) -> Int? { uint(at: offset, width: 2) }
    public func u32(at offset: Int) -> Int? { uint(at: offset, width: 4) }
    public func u64(at offset: Int) -> Int? { uint(at: offset, width: 8) }

    /// `count` bytes at `offset`, or nil when they are not all there.
    public func bytes(at offset: Int, count: Int) -> [UInt8]? {
        guard count >= 0, offset >= 0, offset <= bytes.count - count else { return nil }
        return Array(bytes[offset..<(offset + count)])
    }

    /// The inverse of `uint(at:width:)`: the low `width` bytes of `value`, most significant
    /// first.
    public static func bytes(of value: Int, width: Int) -> [UInt8] {
        (0..<max(0, width)).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: Int64(value)) >> UInt64(8 * (width - 1 - $0))) }
    }
}
