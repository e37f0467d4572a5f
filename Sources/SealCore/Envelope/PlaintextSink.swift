

/// Where an envelope reader puts plaintext. Bytes arrive before the payload is fully
/// authenticated, so a sink must stage them and publish only in `finish()`.
public protocol PlaintextSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Called once, after the final chunk authenticated.
    mutating func finish() throws
}
