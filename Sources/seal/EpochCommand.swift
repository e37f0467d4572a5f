import ArgumentParser

struct EpochCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epoch",
        abstract: "Monthly epoch keys that bound what a seized identity can open (air-gapped machine).",
        subcommands: [EpochNew.self, EpochRetire.self])
}
