import SealCore

struct MP3Plan: MediaPlan {
    let source: MediaSource
    private(set) var findings = Findings()
    private var audio: Range<Int> = 0..<0
    private var flac: FLACPlan?

    /// Real files have one ID3v2 tag, sometimes two from careless taggers.
    static let maxTags = 16

    init(_ source: MediaSource) throws {
        self.source = source
        var start = 0
        var tags = 0
        while true {
            let head = try source.peek(at: start, count: 10)
            guard head.count == 10, ByteFields.starts(head, with: "ID3") else { break }
            guard tags < MP3Plan.maxTags else { throw source.refused("it has more than \(MP3Plan.maxTags) ID3v2 tags") }
            start += try ID3v2.read(head, at: start, in: source, into: &findings)
            tags += 1
        }
        let end = try MediaTrailers.strip(source, from: start, end: source.size, into: &findings)
        let first = try source.peek(at: start, count: 4)
        if ByteFields.starts(first, with: "fLaC") {
            let plan = try FLACPlan(source, start: start, end: end)
            findings.merge(plan.findings)
            flac = plan
            return
        }
        try MPEGFrames.check(source, start..<end)
        audio = start..<end
    }

    func write(to output: AtomicFile) throws {
        if let flac {
            try flac.write(to: output)
        } else {
            try source.copy(from: audio.lowerBound, count: audio.count, to: output)
        }
    }
}
