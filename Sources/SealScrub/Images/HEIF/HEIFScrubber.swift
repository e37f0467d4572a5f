import SealCore

/// HEIC/HEIF/AVIF still images (ISO BMFF): removes the Exif and XMP items, other embedded
/// "mime"/"uri " items, thumbnail images (and their alpha or depth), XML boxes and the ICC
/// colour profile, and fixes the bookkeeping: the item list (iinf), the locations (iloc),
/// references (iref) and property associations (ipma). The removed items' bytes are cut
/// out of the media data, every remaining file offset is recomputed, and nothing is
/// re-encoded. Orientation lives in the irot/imir properties, which stay.
///
/// Anything whose safe removal cannot be proven is refused rather than passed: image
/// sequences (moov), protected items, data in other files, an image built from a removed
/// item, item data overlapping removed data, offsets outside the media data.
struct HEIFScrubber: Scrubber {
    var types: [ContentType] { [.heif] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let plan = try HEIFPlan(ImageReader(input, format: "HEIF"))
        let sink = ImageSink(output)
        let captured = try plan.stream(ImageReader(input.reopened(), format: "HEIF"), to: sink)
        try sink.flush()
        return plan.describe(captured).removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        let plan = try HEIFPlan(ImageReader(input, format: "HEIF"))
        let captured = try plan.stream(ImageReader(input.reopened(), format: "HEIF"), to: nil)
        return plan.describe(captured).identifying
    }
}
