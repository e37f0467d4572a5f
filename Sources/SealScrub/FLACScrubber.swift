import SealCore

/// FLAC recordings. Metadata is a chain of blocks before the audio frames; only STREAMINFO
/// (which decoding needs) and SEEKTABLE (which seeking uses, and which holds sample
/// positions only) are kept. VORBIS_COMMENT, PICTURE, APPLICATION, CUESHEET, PADDING and
/// unknown blocks go, and the last kept block carries the last-block flag. Frames are
/// copied byte for byte, so the STREAMINFO MD5 of the audio still matches.
struct FLACScrubber: Scrubber {
    var types: [ContentType] { [.flac] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let source = try MediaSource(input, format: "FLAC")
        let plan = try FLACPlan(source, start: 0, end: source.size)
        try plan.write(to: output)
        return plan.findings.removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        let source = try MediaSource(input, format: "FLAC")
        return try FLACPlan(source, start: 0, end: source.size).findings.identifying
    }
}

/// The blocks to keep and where the frames are, for a FLAC stream in `start..<end`.
struct FLACPlan {
    private struct Block {
        let type: UInt8
        let body: Int
        let length: Int
    }

    static let streamInfo: UInt8 = 0, padding: UInt8 = 1, application: UInt8 = 2, seekTable: UInt8 = 3
    static let vorbisComment: UInt8 = 4, cueSheet: UInt8 = 5, picture: UInt8 = 6
    /// Each block is at least 4 bytes, so this only stops files built of empty blocks.
    static let maxBlocks = 1 << 16

    let source: MediaSource
    private(set) var findings = MediaFindings()
    private var kept: [Block] = []
    private var audio: Range<Int> = 0..<0

    init(_ source: MediaSource, start: Int, end: Int) throws {
        self.source = source
        guard try MediaBytes.starts(source.peek(at: start, count: 4), with: "fLaC") else {
            throw source.malformed("it does not start with the FLAC marker")
        }
        var at = start + 4
        var last = false
        var count = 0
        while !last {
            guard count < FLACPlan.maxBlocks else { throw source.refused("it has more than \(FLACPlan.maxBlocks) metadata blocks") }
            guard end - at >= 4 else { throw source.malformed("the metadata blocks run past the end of the file") }
            let header = try source.read(at: at, count: 4, "a metadata block header")
            last = header[0] & 0x80 != 0
            let type = header[0] & 0x7F
            guard let length = MediaBytes.be(header, 1, 3), length <= end - at - 4 else {
                throw source.malformed("a metadata block runs past the end of the file")
            }
            if count == 0 {
                guard type == FLACPlan.streamInfo, length == 34 else {
                    throw source.malformed("its first metadata block is not a 34-byte STREAMINFO")
                }
            }
            let block = Block(type: type, body: at + 4, length: length)
            switch type {
            case FLACPlan.streamInfo:
                guard count == 0 else { throw source.malformed("it has a second STREAMINFO block") }
                kept.append(block)
            case FLACPlan.seekTable:
                guard length % 18 == 0 else { throw source.malformed("its seek table has a damaged length") }
                kept.append(block)
            case FLACPlan.padding:
                break
            case FLACPlan.vorbisComment:
                let bytes = try source.read(at: block.body, count: min(length, ID3v2.describeLimit), "a Vorbis comment block")
                VorbisComment.describe(bytes, from: 0, into: &findings)
            case FLACPlan.picture:
                findings.add(MediaWords.cover)
            case FLACPlan.application:
                findings.add("application data")
            case FLACPlan.cueSheet:
                findings.add("CD cue sheet", identifying: false)
            case 127:
                throw source.malformed("a metadata block has the invalid type 127")
            default:
                findings.add(MediaWords.otherTags)
            }
            at += 4 + length
            count += 1
        }
        let audioEnd = try MediaTrailers.strip(source, from: at, end: end, into: &findings)
        if audioEnd > at {
            let sync = try source.peek(at: at, count: 2)
            guard sync.count == 2, sync[0] == 0xFF, sync[1] & 0xFE == 0xF8 else {
                throw source.malformed("no audio frame follows the metadata blocks")
            }
        }
        audio = at..<audioEnd
    }

    func write(to output: AtomicFile) throws {
        try output.write(Array("fLaC".utf8))
        for (i, block) in kept.enumerated() {
            let flag: UInt8 = i == kept.count - 1 ? 0x80 : 0
            try output.write([block.type | flag] + MediaBytes.beBytes(block.length, width: 3))
            try source.copy(from: block.body, count: block.length, to: output)
        }
        try source.copy(from: audio.lowerBound, count: audio.count, to: output)
    }
}
