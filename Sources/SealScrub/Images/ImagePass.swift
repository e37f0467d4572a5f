/// One front-to-back pass over an image that writes the cleaned copy as it reads (to no
/// sink when only inspecting), for formats whose metadata can be judged segment by segment.
protocol ImagePass {
    init(_ reader: ImageReader, sink: ImageSink?)
    var findings: Findings { get }
    mutating func run() throws
}
