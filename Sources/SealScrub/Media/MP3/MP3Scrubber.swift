import SealCore

/// MP3 voice recordings and music. Tags sit only at the ends: ID3v2 before the first frame,
/// and after the last one, in any order, APEv2, Lyrics3, an appended ID3v2 with a footer,
/// ID3v1 and its "TAG+" extension. The scrubber cuts them off and copies the frames between
/// byte for byte. A FLAC stream behind an ID3v2 tag (some taggers write one) is handed to
/// the FLAC scrubber after the tag is cut.
struct MP3Scrubber: MediaScrubber {
    typealias Plan = MP3Plan
    var types: [ContentType] { [.mp3] }
    var format: String { "MP3" }
}
