/// Where an envelope writer gets its plaintext: filled in full-size pieces so the writer
/// can cut exact 64 KiB chunks without holding the whole report.
public protocol PlaintextSource {
    /// Fills `buffer` completely, or partly only at the end of the stream; returns the count.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Where an envelope reader puts plaintext. Bytes arrive before the payload is fully
/// authenticated, so a sink must stage them and publish only in `finish()`.
public protocol PlaintextSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Called once, after the final chunk authenticated.
    mutating func finish() throws
}

/// Plaintext from memory: tests and small messages.
public struct BytesSource: PlaintextSource {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { src in
            if n > 0 { buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n) }
        }
        offset += n
        return n
    }
}

/// Plaintext into memory: tests and replies.
public struct BytesSink: PlaintextSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var finished = false

    public init() {}

    public mutating func write(_ chunk: UnsafeRawBufferPointer) throws { bytes += chunk }
    public mutating func finish() throws { finished = true }
}
