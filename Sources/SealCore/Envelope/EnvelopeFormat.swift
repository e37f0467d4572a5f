

/// The fixed numbers of envelope format v1 (docs/FORMAT.md §3).
public enum EnvelopeFormat {
    public static let magic: [UInt8] = Array("SEAL1\n".utf8)
    public static let chunkSize = 65536
    public static let tagSize = 16
    public static let macSize = 32
    public static let saltSize = 16
    public static let fileKeySize = 32
    public static let stanzaCiphertextSize = 48
    /// Room for 64 X-Wing stanzas (about 2 KiB each in base64url) with margin; bounds what a
    /// relay buffers before it can reject a header.
    public static let maxHeaderLength = 256 * 1024
    public static let maxStanzas = 64
    /// magic + u32 length.
    public static let prefixSize = 10

    static let hpkeInfoPrefix: [UInt8] = Array("seal1 file key".utf8)
    static let headerKeyInfo: [UInt8] = Array("seal1 header".utf8)
    static let payloadKeyInfo: [UInt8] = Array("seal1 payload".utf8)

    /// Size on the wire of a payload carrying `plaintextLength` bytes.
    public static func payloadSize(plaintextLength n: Int) -> Int {
        let chunks = max(1, (n + chunkSize - 1) / chunkSize)
        return n + chunks * tagSize
    }
}
