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
    @Option(help: "Send to this https:// relay first (default: the bundle's first).") var relay: String?

    func run() throws {
        let page = try OfflinePage(config: try RelayConfig.load(path: config), firstRelay: relay)
        try AtomicFile.write(Array(page.html.utf8), to: out, mode: 0o644)
        print("wrote \(out)")
        print("sha256: \(page.sha256)")
    }
}
