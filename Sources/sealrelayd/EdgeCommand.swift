import ArgumentParser
import SealRelay

/// `sealrelayd edge …`: the home relay's list of edge relays allowed to forward to it.
struct EdgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge", abstract: "Manage the edge relays allowed to forward here.", subcommands: [EdgeAllow.self])
}

struct EdgeAllow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allow", abstract: "Allow an edge relay (its STATEDIR/relay.pub) to forward envelopes here.",
        discussion: "Restart the relay for it to take effect.")

    @Option(help: "This relay's relay.conf.") var config: String
    @Argument(help: "The edge's relay.pub.") var publicKey: String

    func run() throws {
        let line = try EdgeAllowList.allow(configPath: config, publicKeyPath: publicKey)
        print("added \"\(line)\" to \(config); restart the relay for it to take effect")
    }
}
