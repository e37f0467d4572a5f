import ArgumentParser
import Foundation
import SealCore
import SealScrub

/// `seal scrub FILE --out FILE`: the same cleaning `seal encrypt` does, on its own, so a
/// source can check what leaves their device or clean a file for another channel.
struct Scrub: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove identifying metadata from a photo (or another supported file); print what was removed.")

    @Argument(help: "The file to clean. Its type is read from its content, not its name.") var file: String
    @Option(help: "Where to write the cleaned copy (must not exist; written with mode 0600).") var out: String

    func run() throws {
        if FileManager.default.fileExists(atPath: out) {
            throw CLIError("\(out) already exists; refusing to overwrite it")
        }
        let removed: [String]
        do {
            removed = try AttachmentPreparer.clean(input: file, output: out)
        } catch ScrubError.unsupported(let name, let type) {
            throw CLIError("cannot remove metadata from \(name): \(type) files are not supported")
        }
        if removed.isEmpty {
            print("nothing to remove")
        } else {
            // Descriptions may quote values read from the file (a camera owner, a title).
            for item in removed { print("removed: \(UntrustedText.line(item))") }
        }
    }
}
