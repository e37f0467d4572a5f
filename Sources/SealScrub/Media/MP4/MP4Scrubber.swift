import SealCore

/// Phone videos (MP4, QuickTime MOV) and M4A voice memos. The metadata lives in the
/// `moov` index, which is small: it is rebuilt in memory without `udta`, `meta`, `uuid` and
/// `©xyz` boxes, with its dates zeroed, and the media data (`mdat`, possibly gigabytes) is
/// streamed through untouched. Removing bytes before `mdat` moves the media, so every
/// absolute offset into it (`stco`, `co64`, `saio`, a fragment's base offset) is
/// recomputed; anything that points where it cannot be followed is refused.
struct MP4Scrubber: MediaScrubber {
    typealias Plan = MP4Plan
    var types: [ContentType] { [.mp4, .mov, .m4a] }
    var format: String { "MP4/QuickTime" }
}
