import SealCore

/// Removes identifying metadata from one file format, structurally: the content (pixels,
/// samples, text) is copied byte for byte, never re-encoded, so evidence keeps its quality.
///
/// Implementations stream: a phone video can be larger than memory.
public protocol Scrubber: Sendable {
    /// The formats this scrubber cleans, as `ContentType.detect` names them.
    var types: [ContentType] { get }

    /// Writes a cleaned copy of `input` to `output` (not committed; the caller commits) and
    /// returns what was removed, in words a person understands ("GPS position", "camera
    /// serial number"). Throws `ScrubError` when the file cannot be cleaned safely.
    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String]

    /// What identifying metadata `input` still carries, in the same words; empty when clean.
    /// `seal open` uses it to warn a reviewer about files a source sent uncleaned.
    func inspect(_ input: InputFile) throws -> [String]
}

/// Every scrubber SealCore has, looked up by detected content type.
public enum Scrubbers {
    public static let all: [any Scrubber] = [
        PlainTextScrubber(),
        MP4Scrubber(),
        MP3Scrubber(),
        FLACScrubber(),
        OggScrubber(),
        JPEGScrubber(),
        PNGScrubber(),
        WebPScrubber(),
        HEIFScrubber(),
        OfficeDocumentScrubber(),
        PDFScrubber(),
    ]

    public static func scrubber(for type: ContentType) -> (any Scrubber)? {
        all.first { $0.types.contains(type) }
    }
}

/// Plain UTF-8 text has no container in which metadata could hide: it passes unchanged.
struct PlainTextScrubber: Scrubber {
    var types: [ContentType] { [.text] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { return [] }
            try buffer.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    func inspect(_ input: InputFile) throws -> [String] { [] }
}

/// An image found inside a document (a photo pasted into a contract, a scan inside a PDF).
/// It carries its own EXIF, GPS and camera serial however clean the document around it is,
/// so it goes through the same scrubber as a photo sent on its own.
enum EmbeddedImage {
    enum Outcome {
        case cleaned([UInt8], removed: [String])
        /// A format with no scrubber; the caller decides whether it may stay.
        case notAnImage(ContentType)
    }

    static let imageTypes: [ContentType] = [.jpeg, .png, .webp, .heif]

    /// - Parameter name: the image's place in the document, for error messages.
    static func clean(_ bytes: [UInt8], name: String) throws -> Outcome {
        let type = ContentType.detect(Array(bytes.prefix(64)))
        guard imageTypes.contains(type), let scrubber = Scrubbers.scrubber(for: type) else { return .notAnImage(type) }
        let output = AtomicFile(inMemoryNamed: name)
        let removed = try scrubber.scrub(InputFile(bytes: bytes, name: name), into: output)
        return .cleaned(output.memory ?? [], removed: removed)
    }

    /// What identifying metadata an embedded image still carries; nil when it is not an
    /// image a scrubber knows.
    static func inspect(_ bytes: [UInt8], name: String) throws -> [String]? {
        let type = ContentType.detect(Array(bytes.prefix(64)))
        guard imageTypes.contains(type), let scrubber = Scrubbers.scrubber(for: type) else { return nil }
        return try scrubber.inspect(InputFile(bytes: bytes, name: name))
    }
}
