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
        case .text where try isTextThroughout(path):
            // Plain text has no container in which metadata could hide.
            return Attachment(path: path, name: name, type: type.mimeType, removed: [], unscrubbed: false)
        default:
            guard allowUnscrubbed else { throw ScrubError.unsupported(name: name, type: type.mimeType) }
            let declared = type == .text ? ContentType.unknown : type
            return Attachment(path: path, name: name, type: declared.mimeType, removed: [], unscrubbed: true)
        }
    }

    /// The first 4 KiB say "text"; the rest must agree, or a text prefix could carry an
    /// image or a document past the scrubbers.
    static func isTextThroughout(_ path: String) throws -> Bool {
        let file = try InputFile(path: path)
        var carry: [UInt8] = []
        while true {
            let block = try file.read(upTo: 1 << 16)
            if block.isEmpty { return carry.isEmpty }
            var bytes = carry + block
            // Keep an incomplete UTF-8 sequence at the end for the next block.
            var cut = 0
            for back in 1...min(3, bytes.count) {
                let b = bytes[bytes.count - back]
                if b & 0xC0 == 0x80 { continue }
                let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                if need > back { cut = back }
                break
            }
            carry = Array(bytes.suffix(cut))
            bytes.removeLast(cut)
            guard ContentType.isText(bytes), String(validating: bytes, as: UTF8.self) != nil else { return false }
        }
    }
}
