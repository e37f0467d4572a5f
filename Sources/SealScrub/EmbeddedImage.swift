import SealCore

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
