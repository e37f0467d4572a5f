import ArgumentParser
import Foundation
import SealCore
import SealScrub

#if canImport(Glibc)
import Glibc
#endif

struct Encrypt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encrypt a report offline to the reviewers of a bundle (no network).")

    @Option(help: "The organisation's signed recipient bundle.") var bundle: String
    @OptionGroup var pin: PinOptions
    @OptionGroup var report: ReportOptions
    @Option(help: "Where to write the envelope (.seal).") var out: String

    func validate() throws {
        try report.requireContent()
    }

    func run() throws {
        let verified = try RecipientBundle.verify(path: bundle, pinned: pin.pinned, counters: .standard())
        let (codename, isNew) = try report.codename()
        let sealed = try ReportSealer.seal(report: report, codename: codename, bundle: verified, to: out)
        if isNew { try report.save(newCodename: codename) }
        print("wrote \(out) (\(sealed) bytes) for \(verified.reviewers.count) reviewer(s)")
        ReportSealer.showIfNew(codename, isNew: isNew, report: report)
    }
}
