import ArgumentParser
import Foundation
import SealAPI
import SealCore

#if canImport(Glibc)
import Glibc
#endif

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encrypt a report and send it to a relay, or send envelopes made earlier with `seal encrypt`.",
        discussion: """
            The relay's recipient bundle is checked against --org-fingerprint before anything \
            is encrypted or sent, so a relay cannot substitute its own keys. With --envelope, \
            every envelope must be addressed to the relay's current bundle; none is sent otherwise.
            """)

    @OptionGroup var relay: RelayOptions
    @OptionGroup var pin: PinOptions
    @OptionGroup var report: ReportOptions
    @Option(name: .customLong("envelope"),
            help: "An envelope made earlier with `seal encrypt` to send as it is (repeatable).")
    var envelopes: [String] = []
    @Option(help: ArgumentHelp(
        "A bundle the organisation signed: its relays are tried after --relay, in order.",
        discussion: """
            A relay that cannot be reached, fails TLS or answers 5xx is skipped. Without --bundle, the \
            last bundle seal verified for this organisation is used (kept in its state directory).
            """))
    var bundle: String?
    @Option(name: .customLong("receipt"), help: "Save the relay's signed receipt (JSON) to this file.")
    var receiptFile: String?

    func validate() throws {
        if receiptFile != nil && envelopes.count > 1 {
            throw ValidationError("--receipt saves one receipt: send one --envelope at a time")
        }
        if envelopes.isEmpty {
            try report.requireContent()
        } else if report.describesReport {
            throw ValidationError(
                "--envelope sends finished envelopes: it cannot be combined with --message, --message-file, --attach, --allow-unscrubbed, --field or --codename-file")
        }
    }

    func run() async throws {
        if envelopes.isEmpty {
            try await sendReport()
        } else {
            try await sendEnvelopes()
        }
    }

    private func sendReport() async throws {
        let pinned = try pin.pinned
        // Read and scrub everything first: a file that cannot be sent stops us before the
        // relay hears from us at all.
        let contents = try ReportSealer.contents(of: report)
        let relays = try RelayFailover(options: relay, bundle: bundle, pinned: pinned)
        let (codename, isNew) = try report.codename()
        var codenameShown = false
        let (receipt, via) = try await PrivateTemporaryDirectory.with { dir in
            // Sealed once, with the first bundle a relay serves: every relay then gets the
            // same bytes, so a report that reached two of them is still one envelope id,
            // which the home relay keeps once.
            let envelope = "\(dir)/report.seal"
            var sealed = false
            return try await relays.run { client in
                let bundle = try await client.verifiedBundle(pinned: pinned)
                if !sealed {
                    _ = try ReportSealer.seal(contents, codename: codename, bundle: bundle, to: envelope)
                    sealed = true
                }
                do {
                    return try await client.submit(envelope: envelope, progressLabel: "sending")
                } catch let refusal as RelayRefusal where !RelayFailover.movesOn(refusal) {
                    throw refusal  // the relay said no: nothing was stored
                } catch {
                    // The relay may have stored it all the same (an answer lost on the way
                    // back): a codename that only this report knows must not be lost.
                    if isNew, !codenameShown {
                        codenameShown = true
                        try? report.save(newCodename: codename)
                        if report.codenameFile == nil {
                            Terminal.note("the report was not confirmed, but it may have reached the relay:")
                            ReportSealer.showIfNew(codename, isNew: isNew, report: report)
                        }
                    }
                    throw error
                }
            }
        }
        if isNew, !codenameShown { try report.save(newCodename: codename) }
        if !codenameShown { ReportSealer.showIfNew(codename, isNew: isNew, report: report) }
        ReceiptNote.lines(receipt).forEach { print($0) }
        if let receiptFile { try ReceiptNote.save(receipt, to: receiptFile) }
        print("relay: \(via)")
    }

    private func sendEnvelopes() async throws {
        let pinned = try pin.pinned
        // Each file must be an envelope before we contact the relay ...
        var heads: [(path: String, head: EnvelopeHead)] = []
        for path in envelopes {
            do {
                heads.append((path, try EnvelopeHead.read(from: InputFile(path: path))))
            } catch let error as FileError {
                throw CLIError("\(error); nothing was sent")
            } catch {
                throw CLIError("\(path): \(error); nothing was sent")
            }
        }
        let relays = try RelayFailover(options: relay, bundle: bundle, pinned: pinned)
        let (_, via) = try await relays.run { client in
            let bundle = try await client.verifiedBundle(pinned: pinned)
            // ... and addressed to the relay's current bundle before any is sent: a relay
            // only accepts envelopes for its reviewers, and a half-sent batch is confusing.
            let kids = bundle.recipientKids
            for (path, head) in heads {
                guard head.header.bundle == bundle.id else {
                    throw CLIError("\(path) was made for bundle \(head.header.bundle.prefix(16))..., not the relay's current bundle \(bundle.id.prefix(16))...: encrypt it again with the current bundle; nothing was sent")
                }
                do {
                    try head.requireRecipients(in: kids)
                } catch {
                    throw CLIError("\(path): \(error) served by the relay; nothing was sent")
                }
            }
            for (index, (path, _)) in heads.enumerated() {
                let receipt: Receipt
                do {
                    receipt = try await client.submit(envelope: path, progressLabel: "sending \(path)")
                } catch {
                    let sent = index == 0 ? "" : " (the \(index) envelope(s) listed above were sent)"
                    throw CLIError("\(path): \(error)\(sent)")
                }
                ReceiptNote.lines(receipt, prefix: "\(path): ").forEach { print($0) }
                if let receiptFile { try ReceiptNote.save(receipt, to: receiptFile) }
            }
        }
        print("relay: \(via)")
    }
}
