import CommandLineExit
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// Everything `seal` says to a person goes through here: errors as one line on stderr,
/// progress only when stderr is a terminal.
enum Terminal {
    static func error(_ message: String) {
        Seal.printError(message, name: "seal")
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    static var stdinIsTerminal: Bool { isatty(0) == 1 }

    /// A progress reporter that redraws one line at most ten times a second, and does
    /// nothing at all when stderr is not a terminal.
    static func progress(_ label: String) -> ((Int, Int) -> Void)? {
        guard stderrIsTerminal else { return nil }
        var last = Date.distantPast
        return { done, total in
            let now = Date()
            guard now.timeIntervalSince(last) > 0.1 || done >= total else { return }
            last = now
            let percent = total > 0 ? min(100, done * 100 / total) : 100
            FileHandle.standardError.write(Data("\r\(label) \(percent)%\(done >= total ? "\n" : "")".utf8))
        }
    }

    /// Asks for a passphrase without echo. Returns nil when there is no terminal to ask on.
    static func readPassphrase(prompt: String) -> Passphrase? {
        guard stdinIsTerminal, let raw = getpass(prompt) else { return nil }
        let length = strlen(raw)
        defer { memset(raw, 0, length) }
        guard length > 0 else { return nil }
        return Passphrase(SecureBytes(copying: UnsafeRawBufferPointer(start: raw, count: length)))
    }
}
