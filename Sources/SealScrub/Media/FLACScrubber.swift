import SealCore

/// FLAC recordings. Metadata is a chain of blocks before the audio frames; only STREAMINFO
/// (which decoding needs) and SEEKTABLE (which seeking uses, and which holds sample
/// positions only) are kept. VORBIS_COMMENT, PICTURE, APPLICATION, CUESHEET, PADDING and
/// unknown blocks go, and the last kept block carries the last-block flag. Frames are
/// copied byte for byte, so the STREAMINFO MD5 of the audio still matches.
struct FLACScrubber: MediaScrubber {
    typealias Plan = FLACPlan
    var types: [ContentType] { [.flac] }
    var format: String { "FLAC" }
}
