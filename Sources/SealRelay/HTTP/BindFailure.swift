import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Recognises a listener that could not bind because its address is taken, so the
/// executables can say which address and what to do instead of NIO's errno text.
public enum BindFailure {
    public static func isAddressInUse(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == EADDRINUSE
    }
}
