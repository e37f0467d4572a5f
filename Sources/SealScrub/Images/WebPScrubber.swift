import SealCore

/// WebP: a RIFF file of chunks. The EXIF, XMP and ICC profile chunks and any chunk the
/// format does not define are dropped, the matching feature flags in VP8X are cleared so
/// the file does not promise what it no longer has, and the RIFF size is fixed. Image,
/// alpha and animation chunks are copied byte for byte.
///
/// The RIFF size comes first in the file but depends on what is dropped later, so the
/// file is read twice: once to plan, once to write. The second pass checks every chunk
/// header against the plan, so a file that changes in between is refused instead of
/// producing a RIFF whose size lies.
///
/// EXIF orientation is not carried over (the rule for WebP is that EXIF goes whole), so a
/// WebP photo that relied on it shows turned in the few viewers that honour it there.
struct WebPScrubber: Scrubber {
    var types: [ContentType] { [.webp] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let plan = try WebPPass.plan(input)
        let sink = ImageSink(output)
        let second = try input.reopened()
        try WebPPass.write(plan, from: ImageReader(second, format: "WebP"), to: sink)
        try sink.flush()
        return plan.findings.removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        try WebPPass.plan(input).findings.identifying
    }
}
