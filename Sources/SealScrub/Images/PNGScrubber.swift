import SealCore

/// PNG: keeps the chunks a viewer needs to draw the image as the camera or editor meant it
/// (header, palette, image data, transparency, the numeric colour chunks, animation
/// frames) and drops everything else: text chunks, EXIF, timestamps, the ICC profile, the
/// pixel density, private chunks. Chunks are self-contained and carry their own CRC, so
/// the kept ones are copied byte for byte and nothing else needs fixing.
///
/// One exception: an EXIF orientation that turns the picture is kept in a fresh eXIf chunk
/// that holds nothing else, so a photo saved as PNG does not turn sideways.
struct PNGScrubber: Scrubber {
    var types: [ContentType] { [.png] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let sink = ImageSink(output)
        var pass = try PNGPass(ImageReader(input, format: "PNG"), sink: sink)
        try pass.run()
        try sink.flush()
        return pass.findings.removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        var pass = try PNGPass(ImageReader(input, format: "PNG"), sink: nil)
        try pass.run()
        return pass.findings.identifying
    }
}
