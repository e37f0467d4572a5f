import SealCore

/// Walks the MPEG audio frames between the tags. Every byte there must belong to a frame
/// (or be zero padding): a tag whose marker was damaged, or data appended by some tool,
/// would otherwise pass as audio and leave with the file.
enum MPEGFrames {
    static func check(_ source: MediaSource, _ range: Range<Int>) throws {
        // Some encoders leave zero padding between the tag and the first frame.
        let lead = try source.peek(at: range.lowerBound, count: min(1 << 16, range.count))
        guard let first = lead.firstIndex(where: { $0 != 0 }) else {
            throw source.malformed("no MPEG audio frame follows the tags")
        }
        var at = range.lowerBound + first
        var frames = 0
        while at < range.upperBound {
            let header = try source.peek(at: at, count: 4)
            if let length = frameLength(header) {
                frames += 1
                // The last frame of a cut recording may be short; it is still audio.
                if length >= range.upperBound - at { return }
                at += length
                continue
            }
            guard frames > 0 else { throw source.malformed("no MPEG audio frame follows the tags") }
            try requireZeros(source, at..<range.upperBound, after: frames)
            return
        }
    }

    private static func requireZeros(_ source: MediaSource, _ range: Range<Int>, after frames: Int) throws {
        var at = range.lowerBound
        while at < range.upperBound {
            let block = try source.read(at: at, count: min(MediaSource.blockSize, range.upperBound - at), "the audio")
            guard block.allSatisfy({ $0 == 0 }) else {
                throw source.malformed("unrecognised data follows audio frame \(frames), at byte \(range.lowerBound)")
            }
            at += block.count
        }
    }

    private static let sampleRates: [[Int]] = [[11025, 12000, 8000], [], [22050, 24000, 16000], [44100, 48000, 32000]]
    /// kbit/s by bitrate index, for MPEG-1 layers I, II, III, then MPEG-2/2.5 layer I, and II/III.
    private static let bitrates: [[Int]] = [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ]

    /// The length of the frame whose header is `h`, or nil if `h` is not one (free-format
    /// frames have no length in their header and count as not one).
    static func frameLength(_ h: [UInt8]) -> Int? {
        guard h.count == 4, ContentType.isMPEGAudioFrame(h) else { return nil }
        let version = Int(h[1] >> 3) & 3, layer = Int(h[1] >> 1) & 3
        let index = Int(h[2] >> 4), padding = Int(h[2] >> 1) & 1
        guard index != 0 else { return nil }
        let rate = sampleRates[version][Int(h[2] >> 2) & 3]
        let mpeg1 = version == 3
        let table = mpeg1 ? 3 - layer : (layer == 3 ? 3 : 4)
        let bitrate = bitrates[table][index] * 1000
        switch layer {
        case 3: return (12 * bitrate / rate + padding) * 4
        case 2: return 144 * bitrate / rate + padding
        default: return (mpeg1 ? 144 : 72) * bitrate / rate + padding
        }
    }
}
