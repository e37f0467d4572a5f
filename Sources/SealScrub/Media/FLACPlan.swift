import SealCore

/// The blocks to keep and where the frames are, for a FLAC stream in `start..<end`.
struct FLACPlan: MediaPlan {
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
    private(set) var findings = Findings()
    private var kept: [Block] = []
    private var audio: Range<Int> = 0..<0

    /// A FLAC file on its own: the stream is the whole file.
    init(_ source: MediaSource) throws {
        try self.init(source, start: 0, end: source.size)
    }

    init(_ source: MediaSource, start: Int, end: Int) throws {
        self.source = source
        guard try ByteFields.starts(source.peek(at: start, count: 4), with: "fLaC") else {
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
            guard let length = ByteFields.be(header, 1, 3), length <= end - at - 4 else {
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
            try output.write([block.type | flag] + ByteFields.beBytes(block.length, width: 3))
            try source.copy(from: block.body, count: block.length, to: output)
        }
        try source.copy(from: audio.lowerBound, count: audio.count, to: output)
    }
}
