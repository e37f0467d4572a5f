import SealCore

/// Ogg Opus and Ogg Vorbis. The tags (and cover art, as METADATA_BLOCK_PICTURE) are the
/// comment header, the stream's second packet. It is replaced by one with an empty vendor
/// string and no comments; the header pages are laid out again, and since that changes how
/// many pages there are, every following page gets its sequence number shifted and its
/// checksum recomputed. Audio packets and granule positions are untouched. Multiplexed and
/// chained streams, and other codecs, are refused rather than half cleaned.
struct OggScrubber: MediaScrubber {
    typealias Plan = OggPlan
    var types: [ContentType] { [.ogg] }
    var format: String { "Ogg" }
}
