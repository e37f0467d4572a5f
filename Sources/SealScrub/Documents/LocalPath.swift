import Foundation
import SealCore

/// Links in a document that point at files on the author's disk ("C:\Users\alice\…",
/// "file:///home/alice/…", "../../Pictures/…") name the person and their folders. They are
/// cut to the bare file name; web links stay.
enum LocalPath {
    static func isLocal(_ target: String) -> Bool {
        let t = target.lowercased()
        if t.hasPrefix("http://") || t.hasPrefix("https://") || t.hasPrefix("mailto:") || t.hasPrefix("#") { return false }
        return t.hasPrefix("file:") || t.hasPrefix("/") || t.hasPrefix("\\\\") || t.hasPrefix("../")
            || (t.count > 2 && t.dropFirst().hasPrefix(":\\")) || t.contains("\\")
    }

    static func basename(_ target: String) -> String {
        let cut = target.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return cut.removingPercentEncoding ?? cut
    }
}
