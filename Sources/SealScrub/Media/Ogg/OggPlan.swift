import SealCore

struct OggPlan: MediaPlan {
    enum Codec { case opus, vorbis }

    let source: MediaSource
    private(set) var findings = Findings()
    private let first: OggPage
    private let serial: Int
    private var headerPages: [[UInt8]] = []
    private var audioStart = 0
    /// How much each following page's sequence number moves.
    private var shift = 0

    /// Comment headers with cover art run to megabytes; far beyond that is not a real file.
    static let maxHeaders = 64 << 20
    static let maxPagesPerPacket = 1 << 14

    init(_ source: MediaSource) throws {
        self.source = source
        first = try OggPage.read(source, at: 0)
        serial = first.serial
        guard first.flags & OggPage.firstPage != 0, first.flags & OggPage.continued == 0 else {
            throw source.malformed("its first page does not begin a stream")
        }
        let lacing = first.lacing
        guard let lastValue = lacing.last, lastValue < 255, lacing.dropLast().allSatisfy({ $0 == 255 }) else {
            throw source.malformed("its first page does not hold exactly one identification header")
        }
        let ident = first.bytes[first.bodyStart...]
        let codec: Codec
        if ByteFields.starts(Array(ident.prefix(8)), with: "OpusHead") {
            codec = .opus
        } else if ByteFields.starts(Array(ident.prefix(7)), with: "\u{1}vorbis") {
            codec = .vorbis
        } else {
            throw source.refused("only Ogg Opus and Ogg Vorbis are supported, and this stream is neither")
        }
        let needed = codec == .opus ? 1 : 2

        var packets: [[UInt8]] = []
        var partial: [UInt8] = []
        var total = 0
        var pages = 0
        var at = first.end
        while packets.count < needed {
            guard pages < OggPlan.maxPagesPerPacket else { throw source.refused("its headers span too many pages") }
            let page = try OggPage.read(source, at: at)
            guard page.serial == serial else {
                throw source.refused("it holds more than one stream (video, or several audio tracks), which this tool does not clean")
            }
            guard page.flags & OggPage.firstPage == 0 else { throw source.malformed("a header page claims to begin a stream") }
            guard (page.flags & OggPage.continued != 0) == !partial.isEmpty else {
                throw source.malformed("the page at byte \(at) does not continue the packet before it")
            }
            var cursor = page.bodyStart
            for value in page.lacing {
                guard packets.count < needed else {
                    throw source.refused("audio shares a page with the stream headers")
                }
                partial += page.bytes[cursor..<(cursor + Int(value))]
                cursor += Int(value)
                total += Int(value)
                guard total <= OggPlan.maxHeaders else { throw source.refused("its headers are larger than \(OggPlan.maxHeaders >> 20) MiB") }
                if value < 255 {
                    packets.append(partial)
                    partial = []
                }
            }
            pages += 1
            at = page.end
            if packets.count < needed, page.flags & OggPage.lastPage != 0 {
                throw source.malformed("the stream ends inside its headers")
            }
        }
        guard partial.isEmpty else { throw source.malformed("a header packet continues past the headers") }

        let comment = packets[0]
        var newPackets: [[UInt8]]
        switch codec {
        case .opus:
            guard ByteFields.starts(comment, with: "OpusTags") else { throw source.malformed("its second packet is not an OpusTags header") }
            VorbisComment.describe(comment, from: 8, into: &findings)
            newPackets = [Array("OpusTags".utf8) + VorbisComment.empty]
        case .vorbis:
            guard ByteFields.starts(comment, with: "\u{3}vorbis") else { throw source.malformed("its second packet is not a Vorbis comment header") }
            guard ByteFields.starts(packets[1], with: "\u{5}vorbis") else { throw source.malformed("its third packet is not a Vorbis setup header") }
            VorbisComment.describe(comment, from: 7, into: &findings)
            // The trailing 1 is Vorbis's framing bit.
            newPackets = [Array("\u{3}vorbis".utf8) + VorbisComment.empty + [1], packets[1]]
        }
        headerPages = OggPlan.paginate(newPackets, serial: serial, firstSequence: first.sequence + 1)
        shift = headerPages.count - pages
        audioStart = at
    }

    /// Lays packets out in pages of at most 255 lacing values; a page where a header packet
    /// ends has granule position 0, one where none ends has -1, as the Ogg spec requires.
    static func paginate(_ packets: [[UInt8]], serial: Int, firstSequence: Int) -> [[UInt8]] {
        var segments: [(bytes: ArraySlice<UInt8>, ends: Bool)] = []
        for packet in packets {
            var at = 0
            while packet.count - at >= 255 {
                segments.append((packet[at..<(at + 255)], false))
                at += 255
            }
            segments.append((packet[at...], true))
        }
        var pages: [[UInt8]] = []
        var index = 0
        var continued = false
        while index < segments.count {
            let group = segments[index..<min(index + 255, segments.count)]
            let endsPacket = group.contains { $0.ends }
            let page = OggPage(flags: continued ? OggPage.continued : 0,
                               granule: endsPacket ? 0 : UInt64.max,
                               serial: serial, sequence: (firstSequence + pages.count) & 0xFFFF_FFFF,
                               lacing: group.map { UInt8($0.bytes.count) },
                               body: group.flatMap { $0.bytes })
            pages.append(page.finished())
            continued = !(group.last?.ends ?? true)
            index += group.count
        }
        return pages
    }

    mutating func write(to output: AtomicFile) throws {
        try output.write(first.finished())
        for page in headerPages { try output.write(page) }
        var at = audioStart
        var ended = false
        while at < source.size {
            if ended {
                // Bytes after the last page: another stream chained on, or a tag a careless
                // tool appended (ID3v1, APE). Neither goes out.
                if try ByteFields.starts(source.peek(at: at, count: 4), with: "OggS") {
                    throw source.refused("it chains several streams one after another")
                }
                findings.add("data after the end of the audio")
                return
            }
            var page = try OggPage.read(source, at: at)
            guard page.serial == serial else {
                throw source.refused("it holds more than one stream (video, or several audio tracks), which this tool does not clean")
            }
            guard page.flags & OggPage.firstPage == 0 else { throw source.refused("it chains several streams one after another") }
            page.setSequence((page.sequence + shift) & 0xFFFF_FFFF)
            try output.write(page.finished())
            ended = page.flags & OggPage.lastPage != 0
            at = page.end
        }
    }
}
