import SealCore

/// PNG: keeps the chunks a viewer needs to draw the image as the camera or editor meant it
/// (header, palette, image data, transparency, the numeric colour chunks, animation
/// frames) and drops everything else: text chunks, EXIF, timestamps, the ICC profile, the
/// pixel density, private chunks. Chunks are self-contained and carry their own CRC, so
/// the kept ones are copied byte for byte and nothing else needs fixing.
///
/// One exception: an EXIF orientation that turns the picture is kept in a fresh eXIf chunk
/// that holds nothing else, so a photo saved as PNG does not turn sideways.
struct PNGScrubber: StreamingImageScrubber {
    typealias Pass = PNGPass
    var types: [ContentType] { [.png] }
    var format: String { "PNG" }
}
