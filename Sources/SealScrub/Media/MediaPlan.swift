import SealCore

/// What an audio or video scrubber learns from one read of the file: what it found, and
/// how to write the cleaned copy. Reading and writing are separate so `inspect` can stop
/// after the first.
protocol MediaPlan {
    init(_ source: MediaSource) throws
    var findings: Findings { get }
    mutating func write(to output: AtomicFile) throws
}
