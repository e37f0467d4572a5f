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
