import ArgumentParser
import CommandLineExit
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// `seal`: the companion CLI for sources, intermediaries, reviewers and the organisation
/// (README.md). Exit status: 0 success, 1 a user-facing error (one line on stderr),
/// 2 a usage error.
@main
struct Seal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Encrypt, open and manage SealRelay reports and keys.",
        subcommands: [
            Keygen.self, EpochCommand.self, Credential.self, FingerprintCommand.self, Org.self, Encrypt.self, Submit.self,
            Check.self, Fetch.self, Open.self, ReplyCommand.self, PushReplies.self, CodenameCommand.self, Scrub.self,
            Verify.self, Share.self,
        ]
    )

    static func main() async {
        await runAndExit(name: "seal")
    }
}
