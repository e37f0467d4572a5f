import Foundation
import SealCore

public enum ScrubError: Error, Equatable, CustomStringConvertible, Sendable {
    case unsupported(name: String, type: String)
    /// The file does not follow its format: truncated, lengths that point past the end,
    /// sizes no real file has. Nothing is written for it.
    case malformed(name: String, format: String, reason: String)
    /// The file is valid but holds a structure the scrubber cannot clean without risk of
    /// leaving metadata behind or breaking the file, so it refuses rather than guess.
    case refused(name: String, format: String, reason: String)
    /// A file the source attached could not be cleaned (the reason says why).
    case notCleaned(name: String, reason: String)

    public var description: String {
        switch self {
        case .unsupported(let name, let type):
            return "cannot remove metadata from \(name) (\(type)); send it only if you are sure it identifies no one, with --allow-unscrubbed \(name)"
        case .malformed(let name, let format, let reason):
            return "\(name) is not a valid \(format) file (\(reason)); cannot remove its metadata"
        case .refused(let name, let format, let reason):
            return "cannot safely remove metadata from \(name) (\(format): \(reason))"
        case .notCleaned(let name, let reason):
            return "\(reason); send \(name) only if you are sure it identifies no one, with --allow-unscrubbed \(name)"
        }
    }
}

/// Decides how each attachment goes into a report: cleaned, passed through because its
/// format carries no metadata, or sent as is because the source explicitly said so.
/// Everything else is refused (SECURITY.md): an unknown format may carry anything.
public enum AttachmentPreparer {
    /// - Parameters:
    ///   - allowUnscrubbed: the source named this file with `--allow-unscrubbed`: it is sent
    ///     exactly as it is, even when it could be cleaned.
    ///   - workDirectory: a private folder (mode 0700) that the caller created and removes
    ///     after sealing; the cleaned copy is written there, never beside the original, so
    ///     the source's folder gains no second copy of the evidence.
    public static func prepare(path: String, allowUnscrubbed: Bool, workDirectory: String? = nil) throws -> Attachment {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let type = try detect(path)
        if type == .text {
            // Plain text has no container in which metadata could hide: sent as it is.
            return Attachment(path: path, name: name, type: type.mimeType, removed: [], unscrubbed: false)
        }
        if allowUnscrubbed {
            // The source asked for this file to go as it is: an intermediary may need a
            // photo's original EXIF to show where and when it was taken. The manifest and
            // the reviewer's `seal open` say so.
            return Attachment(path: path, name: name, type: type.mimeType, removed: [], unscrubbed: true)
        }
        guard let scrubber = Scrubbers.scrubber(for: type) else {
            throw ScrubError.unsupported(name: name, type: type.mimeType)
        }
        guard let workDirectory else {
            throw FileError(description: "no private folder to write the cleaned copy of \(name) into")
        }
        let cleaned = "\(workDirectory)/\(Hex.encode(Sodium.randomBytes(8)))"
        do {
            let removed = try clean(scrubber, input: path, output: cleaned)
            return Attachment(path: cleaned, name: name, type: type.mimeType, removed: removed, unscrubbed: false)
        } catch let error as ScrubError {
            throw ScrubError.notCleaned(name: name, reason: error.description)
        }
    }

    /// What a file is, by content. A file whose first 4 KiB look like text but whose rest
    /// does not is `.unknown`, so a text prefix cannot carry an image past the scrubbers.
    public static func detect(_ path: String) throws -> ContentType {
        let head = try InputFile(path: path).read(upTo: 4096)
        let type = ContentType.detect(head)
        if type == .text, try !isTextThroughout(path) { return .unknown }
        return type
    }

    /// Writes a cleaned copy of `input` to `output` (which must not exist; mode 0600, since
    /// it is evidence) and returns what was removed. Throws `ScrubError.unsupported` for a
    /// format no scrubber knows, and the scrubber's own error for a file it refuses; in
    /// both cases `output` never appears.
    @discardableResult
    public static func clean(input: String, output: String) throws -> [String] {
        let name = URL(fileURLWithPath: input).lastPathComponent
        let type = try detect(input)
        guard let scrubber = Scrubbers.scrubber(for: type) else {
            throw ScrubError.unsupported(name: name, type: type.mimeType)
        }
        return try clean(scrubber, input: input, output: output)
    }

    static func clean(_ scrubber: any Scrubber, input: String, output: String) throws -> [String] {
        let file = try InputFile(path: input)
        let out = try AtomicFile(path: output, mode: 0o600)
        let removed = try scrubber.scrub(file, into: out)
        try out.commit()
        return removed
    }

    /// What a received attachment still carries, for `seal open`.
    public enum Inspection: Equatable, Sendable {
        case clean
        /// Identifying metadata found, in plain words.
        case carries([String])
        /// No scrubber knows this format, or the file is damaged; the reason says which.
        case unchecked(String)
    }

    public static func inspect(path: String) throws -> Inspection {
        let type = try detect(path)
        guard let scrubber = Scrubbers.scrubber(for: type) else {
            return .unchecked("SealRelay cannot check \(type == .unknown ? "files of this kind" : type.mimeType + " files") for metadata")
        }
        do {
            let found = try scrubber.inspect(InputFile(path: path))
            return found.isEmpty ? .clean : .carries(found)
        } catch let error as ScrubError {
            return .unchecked(error.description)
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
