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
            Fetch.self, Open.self, CodenameCommand.self,
        ]
    )

    static func main() async {
        Hardening.apply()
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            Terminal.error(message)
            Glibc.exit(2)
        }
        do {
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let error as ExitCode {
            Glibc.exit(error.rawValue)
        } catch where exitCode(for: error) == .success {
            // `seal --help` and `seal help CMD` parse to a help command whose run() throws
            // the help request; it is not a failure.
            print(fullMessage(for: error))
            Glibc.exit(0)
        } catch {
            Terminal.error(String(describing: error))
            Glibc.exit(1)
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
