import CSodium
import Foundation

/// libsodium must be initialised once before any call; every entry point that touches it
/// goes through `Sodium.ready()` so no caller can forget.
public enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    static func ready() {
        precondition(initialised, "libsodium failed to initialise")
    }

    /// Fills `count` bytes from the operating system's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        ready()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { if let p = $0.baseAddress { randombytes_buf(p, count) } }
        return bytes
    }

    /// Compares in constant time, so a secret compared against an attacker's guess does not
    /// leak how many leading bytes matched.
    public static func constantTimeEqual(_ a: some ContiguousBytes, _ b: some ContiguousBytes) -> Bool {
        ready()
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                pa.count == pb.count && (pa.count == 0 || sodium_memcmp(pa.baseAddress, pb.baseAddress, pa.count) == 0)
            }
        }
    }

    /// Wipes a buffer in a way the optimiser cannot remove.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { if let p = $0.baseAddress { sodium_memzero(p, $0.count) } }
    }
}
