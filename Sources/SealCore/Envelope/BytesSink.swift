

/// Plaintext into memory: tests and replies.
public struct BytesSink: PlaintextSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var finished = false

    public init() {}

    public mutating func write(_ chunk: UnsafeRawBufferPointer) throws { bytes += chunk }
    public mutating func finish() throws { finished = true }
}
