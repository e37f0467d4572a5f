import SealCore

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
