import Foundation

public enum ScrubError: Error, Equatable, CustomStringConvertible, Sendable {
    case unsupported(name: String, type: String)

    public var description: String {
        switch self {
        case .unsupported(let name, let type):
            return "cannot remove metadata from \(name) (\(type)); send it only if you are sure it identifies no one, with --allow-unscrubbed \(name)"
        }
    }
}

/// Decides how each attachment goes into a report: cleaned, passed through because its
/// format carries no metadata, or sent as is because the source explicitly said so.
/// Everything else is refused (DESIGN §7): an unknown format may carry anything.
public enum AttachmentPreparer {
    /// - Parameter allowUnscrubbed: the source named this file with `--allow-unscrubbed`.
    public static func prepare(path: String, allowUnscrubbed: Bool) throws -> Attachment {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let head = try InputFile(path: path).read(upTo: 4096)
        let type = ContentType.detect(head)
        switch type {
        case .text:
            // Plain text has no container in which metadata could hide.
            return Attachment(path: path, name: name, type: type.mimeType, removed: [], unscrubbed: false)
        default:
            guard allowUnscrubbed else { throw ScrubError.unsupported(name: name, type: type.mimeType) }
            return Attachment(path: path, name: name, type: type.mimeType, removed: [], unscrubbed: true)
        }
    }
}
