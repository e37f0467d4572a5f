import SealCore

/// A scrubber whose work is one `ImagePass`: the same steps for every such format.
protocol StreamingImageScrubber: Scrubber {
    associatedtype Pass: ImagePass
    /// The format's name as a source would say it, for error messages.
    var format: String { get }
}

extension StreamingImageScrubber {
    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        let sink = ImageSink(output)
        var pass = try Pass(ImageReader(input, format: format), sink: sink)
        try pass.run()
        try sink.flush()
        return pass.findings.removed
    }

    func inspect(_ input: InputFile) throws -> [String] {
        var pass = try Pass(ImageReader(input, format: format), sink: nil)
        try pass.run()
        return pass.findings.identifying
    }
}
