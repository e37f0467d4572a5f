import SealCore

/// Plain UTF-8 text has no container in which metadata could hide: it passes unchanged.
struct PlainTextScrubber: Scrubber {
    var types: [ContentType] { [.text] }

    func scrub(_ input: InputFile, into output: AtomicFile) throws -> [String] {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { return [] }
            try buffer.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    func inspect(_ input: InputFile) throws -> [String] { [] }
}
