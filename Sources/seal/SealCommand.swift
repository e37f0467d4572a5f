import ArgumentParser
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// `seal`: the companion CLI for sources, intermediaries, reviewers and the organisation
/// (DESIGN §8). Exit status: 0 success, 1 a user-facing error (one line on stderr),
/// 2 a usage error.
@main
struct Seal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Encrypt, open and manage SealRelay reports and keys.",
        subcommands: [
            Keygen.self, Credential.self, FingerprintCommand.self, Org.self, Encrypt.self, Submit.self,
            Check.self, Fetch.self, Open.self, ReplyCommand.self, PushReplies.self, CodenameCommand.self, Scrub.self,
        ]
    )

    static func main() async {
        Hardening.apply()
        do {
            let parsed = try parseAsRoot()
            if var command = parsed as? AsyncParsableCommand {
                try await command.run()
            } else {
                var command = parsed
                try command.run()
            }
        } catch {
            Glibc.exit(report(error))
        }
    }

    /// Prints what a person needs for `error` and returns the exit status: 0 for help,
    /// 2 for usage errors (ArgumentParser's, wherever they surface), 1 for everything else.
    static func report(_ error: any Error) -> Int32 {
        if let code = error as? ExitCode { return code.rawValue }
        switch exitCode(for: error) {
        case .success:
            print(fullMessage(for: error))
            return 0
        case .validationFailure:
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            Terminal.error(message)
            return 2
        default:
            // ArgumentParser's own errors describe themselves through fullMessage; ours
            // through their description.
            let fromParser = String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
            let message = fromParser ? fullMessage(for: error) : String(describing: error)
            Terminal.error(message)
            return 1
        }
    }
}

/// Secret keys must not end up in a core file.
enum Hardening {
    static func apply() {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
    }
}
