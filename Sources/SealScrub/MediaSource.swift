import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Random access to an audio or video file being cleaned. Media containers keep their index
/// at either end (an MP4 `moov` after gigabytes of `mdat`, ID3v1 and APE tags in the last
/// bytes of an MP3), so the scrubbers read by offset instead of front to back. Every read is
/// bounded by the caller and checked against the size taken once at open, so a lying length
/// field becomes an error, never a huge allocation.
final class MediaSource {
    let path: String
    let name: String
    /// The format's name as the source would say it, for error messages.
    let format: String
    let size: Int
    private let file: InputFile
    private var block = [UInt8](repeating: 0, count: MediaSource.blockSize)

    /// Media data is copied in blocks of this size, so memory does not grow with the file.
    static let blockSize = 1 << 16

    init(_ input: InputFile, format: String) throws {
        self.file = input
        self.path = input.path
        self.name = URL(fileURLWithPath: input.path).lastPathComponent
        self.format = format
        self.size = try input.size()
    }

    func malformed(_ reason: String) -> ScrubError {
        .malformed(name: name, format: format, reason: reason)
    }

    func refused(_ reason: String) -> ScrubError {
        .refused(name: name, format: format, reason: reason)
    }

    /// Exactly `count` bytes at `offset`, or an error naming `what` ran past the end.
    func read(at offset: Int, count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw malformed("\(what()) runs past the end of the file")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: offset) }
        guard got == count else { throw malformed("\(what()) runs past the end of the file (the file shrank while it was read)") }
        return bytes
    }

    /// Up to `count` bytes at `offset`, fewer near the end; for looking at what might be there.
    func peek(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, offset < size, count > 0 else { return [] }
        return try read(at: offset, count: min(count, size - offset), "a header")
    }

    /// Streams `count` bytes from `offset` to `output` in fixed blocks, overwriting the bytes
    /// inside `zeroed` (sorted, in file offsets) with zeros and those under `patches` (sorted
    /// by offset) with new values: media data moves through untouched except where a box
    /// points at a position that changed, or holds data that must not leave the device.
    func copy(from offset: Int, count: Int, to output: AtomicFile,
              zeroed: [Range<Int>] = [], patches: [(at: Int, bytes: [UInt8])] = []) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw malformed("data runs past the end of the file")
        }
        var position = offset
        let end = offset + count
        var zeroIndex = 0
        var patchIndex = 0
        while position < end {
            let n = min(MediaSource.blockSize, end - position)
            let got = try block.withUnsafeMutableBytes {
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n]), at: position)
            }
            guard got == n else { throw malformed("data runs past the end of the file (the file shrank while it was read)") }
            let here = position..<(position + n)
            while zeroIndex < zeroed.count, zeroed[zeroIndex].upperBound <= here.lowerBound { zeroIndex += 1 }
            var z = zeroIndex
            while z < zeroed.count, zeroed[z].lowerBound < here.upperBound {
                let cut = zeroed[z].clamped(to: here)
                for i in cut { block[i - position] = 0 }
                z += 1
            }
            while patchIndex < patches.count, patches[patchIndex].at + patches[patchIndex].bytes.count <= here.lowerBound {
                patchIndex += 1
            }
            var p = patchIndex
            while p < patches.count, patches[p].at < here.upperBound {
                for (k, byte) in patches[p].bytes.enumerated() where here.contains(patches[p].at + k) {
                    block[patches[p].at + k - position] = byte
                }
                p += 1
            }
            try block.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            position += n
        }
    }
}

/// What a scrubber found, in the words the source and the reviewer read. `removed` is all
/// that a scrub takes out; `identifying` leaves out things such as padding or a genre that
/// name no one, so `seal open` does not raise an alarm over them.
struct MediaFindings {
    private(set) var removed: [String] = []
    private(set) var identifying: [String] = []

    mutating func add(_ words: String, identifying isIdentifying: Bool = true) {
        if !removed.contains(words) { removed.append(words) }
        if isIdentifying, !identifying.contains(words) { identifying.append(words) }
    }

    mutating func merge(_ other: MediaFindings) {
        for words in other.removed { add(words, identifying: other.identifying.contains(words)) }
    }
}

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

/// Integers out of untrusted bytes. Every read is bounds-checked and answers nil, so a
/// lying field can never trap; the parsers turn nil into a "malformed" error.
enum MediaBytes {
    static func be(_ bytes: [UInt8], _ at: Int, _ width: Int) -> Int? {
        guard width > 0, width <= 8, at >= 0, at <= bytes.count - width else { return nil }
        var value: UInt64 = 0
        for i in 0..<width { value = value << 8 | UInt64(bytes[at + i]) }
        // Offsets and sizes past Int.max are lies in any real file.
        guard value <= UInt64(Int.max) else { return nil }
        return Int(value)
    }

    static func le(_ bytes: [UInt8], _ at: Int, _ width: Int) -> Int? {
        guard width > 0, width <= 8, at >= 0, at <= bytes.count - width else { return nil }
        var value: UInt64 = 0
        for i in (0..<width).reversed() { value = value << 8 | UInt64(bytes[at + i]) }
        guard value <= UInt64(Int.max) else { return nil }
        return Int(value)
    }

    static func putBE(_ value: Int, width: Int, into bytes: inout [UInt8], at: Int) {
        for i in 0..<width { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - i))) }
    }

    static func beBytes(_ value: Int, width: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width)
        putBE(value, width: width, into: &out, at: 0)
        return out
    }

    static func leBytes(_ value: Int, width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func starts(_ bytes: [UInt8], with prefix: String, at: Int = 0) -> Bool {
        let p = Array(prefix.utf8)
        guard at >= 0, bytes.count >= at + p.count else { return false }
        return bytes[at..<(at + p.count)].elementsEqual(p)
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
