#if canImport(Glibc)
import Glibc
#endif

/// Which hosts are the loopback interface: an IPv4 address in 127.0.0.0/8 or `::1`, as
/// address literals only. A host name (even "127.example.org") is not: it could resolve
/// anywhere. Plain HTTP is allowed only to these, at both ends of the protocol.
public enum LoopbackHost {
    public static func contains(_ host: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        return withUnsafeBytes(of: &v6) { $0.elementsEqual([UInt8](repeating: 0, count: 15) + [1]) }
    }
}
