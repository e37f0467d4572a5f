import ArgumentParser
import Foundation
import SealCore
import SealRelay

/// `sealrelayd page`: writes the offline page (README "The offline page").
struct Page: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the submission page as one self-contained HTML file to hand out.")

    @Option(help: "The relay.conf whose bundle the page carries.") var config: String
    @Option(help: "Where to write the page.") var out: String
    @Option(help: ArgumentHelp(
        "Send to this https:// relay first (repeatable, in order; default: the bundle's order).",
        discussion: "The page moves on to the next relay when one cannot be reached, is busy or is full."))
    var relay: [String] = []

    func run() throws {
        let page = try OfflinePage(config: try RelayConfig.load(path: config), firstRelays: relay)
        try AtomicFile.write(Array(page.html.utf8), to: out, mode: 0o644)
        print("wrote \(out)")
        print("sha256: \(page.sha256)")
    }
}
