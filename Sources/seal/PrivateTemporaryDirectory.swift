import Dispatch
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// Folders only this user can enter (mkdtemp: mode 0700, under a name no other user can
/// have prepared in a shared temporary directory). Scrubbed copies of attachments are
/// plaintext evidence and a sealed report waits here before upload: nothing of a report
/// should outlive the command.
enum PrivateTemporaryDirectory {
    static func make() throws -> String {
        var base = NSTemporaryDirectory()
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/seal-XXXXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CLIError("cannot create a private temporary folder in \(base): \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// Runs `body` with a fresh folder, removed when `body` returns or throws, and also on
    /// Ctrl-C, a hang-up or SIGTERM, which would skip a `defer`.
    static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        let dir = try make()
        let signals = [SIGINT, SIGTERM, SIGHUP].map { signo in
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler {
                try? FileManager.default.removeItem(atPath: dir)
                Glibc.exit(128 + signo)
            }
            source.resume()
            return (signo, source)
        }
        defer {
            for (signo, source) in signals {
                source.cancel()
                signal(signo, SIG_DFL)
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
        return try await body(dir)
    }
}
