import Crypto
import Foundation

/// One file going into a report, after scrubbing.
public struct Attachment: Sendable {
    /// Where the bytes to send are (the scrubbed copy, if scrubbing changed anything).
    public let path: String
    /// The name the reviewer will see: the original file's base name.
    public let name: String
    public let type: String
    /// What scrubbing removed, in plain words.
    public let removed: [String]
    /// True when the source chose to send the file without cleaning.
    public let unscrubbed: Bool

    public init(path: String, name: String, type: String, removed: [String], unscrubbed: Bool) {
        self.path = path
        self.name = name
        self.type = type
        self.removed = removed
        self.unscrubbed = unscrubbed
    }
}
