import Foundation
import SealCore

/// `seal fetch` keeps the relay's signed receipt as `ID.receipt.json` beside `ID.seal`
/// (docs/API.md "Receipts"); `seal open` checks it against the bundle's relay keys. A
/// receipt is evidence, not a condition for fetching: a missing or unreadable one is said
/// and the envelope kept, since the envelope is what the source risked sending.
enum FetchedReceipt {
    static func path(besideEnvelope envelopePath: String) -> String {
        String(envelopePath.dropLast(".seal".count)) + ".receipt.json"
    }

    static func keep(_ header: String?, for id: EnvelopeID, beside envelopePath: String) {
        guard let header else { return }
        guard let receipt = SignedReceipt(headerValue: header), receipt.receipt == id else {
            Terminal.warn("\(id).seal: the relay's receipt for it is malformed or names other bytes; not kept")
            return
        }
        do {
            try AtomicFile.write(try receipt.encoded() + [0x0A], to: path(besideEnvelope: envelopePath), mode: 0o600,
                                 replaceExisting: true)
        } catch {
            Terminal.warn("\(id).seal: cannot keep its receipt: \(error)")
        }
    }
}
