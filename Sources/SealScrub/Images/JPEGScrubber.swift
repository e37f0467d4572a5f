import SealCore

/// JPEG: walks the marker segments and keeps only what a decoder needs (tables, frame and
/// scan headers, the entropy-coded data) plus a minimal JFIF or Adobe marker. Every other
/// application segment (EXIF, XMP, IPTC, ICC, MPF, vendor blocks) and every comment goes,
/// and so does anything after the end-of-image marker, where phones put second images and
/// editors leave trailers. A turned photo keeps its orientation through a fresh EXIF block
/// that holds nothing else.
///
/// The ICC colour profile is dropped too: it can name the device, and without it viewers
/// assume sRGB, which shifts colours slightly but never changes a pixel value.
struct JPEGScrubber: StreamingImageScrubber {
    typealias Pass = JPEGPass
    var types: [ContentType] { [.jpeg] }
    var format: String { "JPEG" }
}
