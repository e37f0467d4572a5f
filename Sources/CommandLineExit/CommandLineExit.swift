import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The exit contract both executables share (README.md): 0 on success and for help, 1 for
/// an error a person must act on (one line on stderr, no stack trace), 2 for usage errors.
extension AsyncParsableCommand {
    /// Parses the command line, runs the command and exits. Core dumps are switched off
    /// first: both programs hold secret keys in memory.
    public static func runAndExit(name: String) async -> Never {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
        do {
            let parsed = try parseAsRoot()
            if var command = parsed as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = parsed
                try command.run()
            }
            Glibc.exit(0)
        } catch {
            Glibc.exit(report(error, name: name))
        }
    }

    /// Prints what a person needs for `error` and returns the exit status.
    static func report(_ error: any Error, name: String) -> Int32 {
        if let code = error as? ExitCode { return code.rawValue }
        switch exitCode(for: error) {
        case .success:
            print(fullMessage(for: error))
            return 0
        case .validationFailure:
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            printError(message, name: name)
            return 2
        default:
            // ArgumentParser's own errors describe themselves through fullMessage; ours
            // through their description.
            let fromParser = String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
            printError(fromParser ? fullMessage(for: error) : String(describing: error), name: name)
            return 1
        }
    }

    /// One line: the first of the message, prefixed with the program's name.
    public static func printError(_ message: String, name: String) {
        let line = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
        FileHandle.standardError.write(Data("\(name): \(line)\n".utf8))
    }
}
