import CSodium

/// A passphrase held in guarded memory from the moment it is read.
public struct Passphrase: Sendable {
    let bytes: SecureBytes

    public init(_ bytes: SecureBytes) { self.bytes = bytes }

    /// Reads a passphrase file: its content minus one trailing newline, so `echo pass > f`
    /// and an editor-saved file give the same passphrase.
    public static func read(fromFile path: String) throws -> Passphrase {
        var raw = try InputFile.readAll(path: path, limit: 4096)
        defer { Sodium.wipe(&raw) }
        var n = raw.count
        if n > 0, raw[n - 1] == 0x0A { n -= 1 }
        if n > 0, raw[n - 1] == 0x0D { n -= 1 }
        guard n > 0 else { throw KeyError.malformed("passphrase file \(path) is empty") }
        return Passphrase(SecureBytes(copying: raw[0..<n]))
    }
}

extension Passphrase {
    /// Constant-time comparison, for "repeat your passphrase".
    public func matches(_ other: Passphrase) -> Bool { bytes == other.bytes }
}
