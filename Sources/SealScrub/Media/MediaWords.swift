import Foundation
import SealCore

/// The words the media scrubbers use, kept in one place so the same thing is called the
/// same way in MP4, MP3, FLAC and Ogg reports.
enum MediaWords {
    static let gps = "GPS location"
    static let device = "recording device make and model"
    static let serial = "device serial number"
    static let date = "creation date"
    static let artist = "artist name"
    static let author = "author name"
    static let title = "title"
    static let album = "album"
    static let comment = "comment"
    static let cover = "cover picture"
    static let software = "encoder software"
    static let xmp = "XMP metadata"
    static let lyrics = "lyrics"
    static let copyright = "copyright holder"
    static let otherTags = "other tags"
    static let genre = "genre"
    static let track = "track number"
    static let vendor = "vendor-specific metadata"

    /// Names a free-form tag field ("ARTIST", "com.apple.quicktime.location.ISO6709",
    /// "Cover Art (Front)", "encoded_by") by what it says about the recording. Unknown
    /// fields count as identifying: a tag nobody recognises may still hold a name.
    static func forField(_ raw: String) -> (words: String, identifying: Bool) {
        let key = String(raw.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) })
        func has(_ parts: String...) -> Bool { parts.contains { key.contains($0) } }
        if has("gps", "iso6709", "location", "latitude", "longitude", "geotag") { return (gps, true) }
        if has("serial") { return (serial, true) }
        if has("picture", "artwork", "cover") { return (cover, true) }
        if has("lyric") { return (lyrics, true) }
        if has("xmp") { return (xmp, true) }
        if has("make", "model", "camera", "device", "lens") { return (device, true) }
        if has("software", "encoder", "encodedby", "encoding", "tool", "vendor") { return (software, true) }
        if has("date", "year", "creationtime", "recordingtime", "taggingtime", "releasetime") { return (date, true) }
        if has("artist", "performer", "composer", "conductor", "lyricist", "writer", "arranger",
               "remixer", "ensemble", "producer", "director") { return (artist, true) }
        if has("author", "owner", "creator", "publisher") { return (author, true) }
        if has("album") { return (album, true) }
        if has("title", "name") { return (title, true) }
        if has("comment", "description", "notes", "summary", "synopsis", "keyword", "information") { return (comment, true) }
        if has("copyright", "license", "label") { return (copyright, true) }
        if has("genre") { return (genre, false) }
        if has("track", "disc", "disk") { return (track, false) }
        if has("bpm", "tempo", "replaygain", "rating", "itunnorm", "itunsmpb", "language", "mood",
               "compilation", "r128") { return (otherTags, false) }
        return (otherTags, true)
    }
}
