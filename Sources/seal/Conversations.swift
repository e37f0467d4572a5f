import Foundation
import SealCore

/// One line per conversation a run touched: everything its `thread-*` folder holds now
/// (earlier runs included), reports before replies, each in name order, so the same folder
/// always reads the same. Envelopes carry no time, so there is no truer order to show.
enum Conversations {
    static func summarise(_ threads: Set<String>) {
        for thread in threads.sorted() {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: thread)) ?? []).sorted()
            let reports = names.filter { $0.hasPrefix("report-") }
            let replies = names.filter { $0.hasPrefix("reply-") }
            let counts = [count(reports.count, "report"), count(replies.count, "reply", plural: "replies")]
                .compactMap { $0 }.joined(separator: ", ")
            print(UntrustedText.line("\(thread): \(counts): \((reports + replies).joined(separator: " "))", limit: 100_000))
        }
    }

    private static func count(_ n: Int, _ word: String, plural: String? = nil) -> String? {
        n == 0 ? nil : "\(n) \(n == 1 ? word : plural ?? word + "s")"
    }
}
