

/// Where an envelope writer gets its plaintext: filled in full-size pieces so the writer
/// can cut exact 64 KiB chunks without holding the whole report.
public protocol PlaintextSource {
    /// Fills `buffer` completely, or partly only at the end of the stream; returns the count.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}
