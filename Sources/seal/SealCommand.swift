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
struct Seal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Encrypt, open and manage SealRelay reports and keys.",
        subcommands: [
            Keygen.self, Credential.self, FingerprintCommand.self, Org.self, Encrypt.self, Open.self,
            CodenameCommand.self,
        ]
    )

    static func main() {
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
            var command = command
            try command.run()
        } catch let error as ExitCode {
            Glibc.exit(error.rawValue)
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
