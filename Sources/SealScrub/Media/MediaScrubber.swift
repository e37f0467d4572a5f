import SealCore

/// A scrubber for an audio or video format, built on its `MediaPlan`: the steps from the
/// file to the plan to the cleaned copy are the same for every such format.
protocol MediaScrubber: Scrubber {
    associatedtype Plan: MediaPlan
    /// The format's name as a source would say it, for error messages.
    var format: String { get }
}

extension MediaScrubber {
    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        var plan = try Plan(MediaSource(input, format: format))
        try plan.write(to: output)
        return plan.findings.removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        try Plan(MediaSource(input, format: format)).findings.identifying
    }
}
