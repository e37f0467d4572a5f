import Foundation
import SealCore

/// A file a scrubber is reading, named the way errors name it: the file's own name (never
/// its folders, which can name the person) and its format in the source's words.
protocol FileUnderScrub {
    var name: String { get }
    /// The format's name as the source would say it ("JPEG", "MP4/QuickTime").
    var format: String { get }
}

extension FileUnderScrub {
    func malformed(_ reason: String) -> ScrubError {
        .malformed(name: name, format: format, reason: reason)
    }

    func refused(_ reason: String) -> ScrubError {
        .refused(name: name, format: format, reason: reason)
    }

    /// The last part of a path: what messages call a file.
    static func displayName(_ path: String) -> String {
        URL(fileURLWithPath: path).lastPathComponent
    }
}
