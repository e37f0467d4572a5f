import CFuzzerDriver
import Glibc

/// Hands one harness to libFuzzer and never returns. libFuzzer calls back through a C
/// function pointer, which cannot capture anything, so the harness waits in a global that
/// is written once, before the driver starts, and only read after.
public enum FuzzDriver {
    nonisolated(unsafe) private static var harness: (UnsafeRawBufferPointer) -> Void = { _ in }

    public static func run(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
        harness = body
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzDriver.harness(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        exit(status)
    }
}
