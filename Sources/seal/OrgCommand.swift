import ArgumentParser
import Foundation
import SealCore

struct Org: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The organisation's signing key and recipient bundle (offline machine).",
        subcommands: [OrgKeygen.self, OrgBundle.self])
}
