import Crypto
import Foundation

/// Cuts the bytes after the manifest into chunks: those that share a chunk with the
/// manifest are held back; every later chunk is sealed as soon as it is full.
struct BodySealer {
    let writer: EnvelopeWriter
    let prefixLength: Int
    let progress: ((Int) -> Void)?
    /// Chunks holding manifest bytes, sealed last.
    let headChunks: Int
    /// Plaintext offset where the first immediately sealed chunk starts.
    let headEnd: Int
    private var held: [UInt8] = []
    private var chunk: [UInt8] = []
    private var nextChunk: Int
    private var position: Int

    init(writer: EnvelopeWriter, prefixLength: Int, progress: ((Int) -> Void)?) {
        self.writer = writer
        self.prefixLength = prefixLength
        self.progress = progress
        headChunks = min(writer.chunkCount, (prefixLength + EnvelopeFormat.chunkSize - 1) / EnvelopeFormat.chunkSize)
        headEnd = writer.range(ofChunk: headChunks - 1).upperBound
        nextChunk = headChunks
        position = prefixLength
        chunk.reserveCapacity(EnvelopeFormat.chunkSize)
    }

    /// Reads up to `limit` bytes of `file` straight into the held bytes or the chunk being
    /// filled (no intermediate copy), hashes them, and seals the chunk when it is full.
    mutating func fill(from file: InputFile, upTo limit: Int, hashInto hash: BackgroundSHA256) throws -> Int {
        if position < headEnd {
            let want = min(headEnd - position, limit)
            let bytes = try file.read(upTo: want)
            bytes.withUnsafeBytes { hash.update($0) }
            try bytes.withUnsafeBytes { try append($0) }
            return bytes.count
        }
        let size = writer.range(ofChunk: nextChunk).count
        let filled = chunk.count
        let want = min(size - filled, limit)
        chunk.append(contentsOf: repeatElement(0, count: want))
        let n = try chunk.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled..<(filled + want)])) }
        chunk.removeLast(want - n)
        chunk.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[filled..<(filled + n)])) }
        position += n
        try sealIfFull()
        return n
    }

    private mutating func sealIfFull() throws {
        guard chunk.count == writer.range(ofChunk: nextChunk).count else { return }
        try chunk.withUnsafeBytes { try writer.seal(chunk: nextChunk, $0) }
        progress?(writer.range(ofChunk: nextChunk).upperBound)
        chunk.removeAll(keepingCapacity: true)
        nextChunk += 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes[...]
        if position < headEnd {
            let n = min(headEnd - position, rest.count)
            held += rest.prefix(n)
            rest = rest.dropFirst(n)
            position += n
        }
        while !rest.isEmpty {
            let size = writer.range(ofChunk: nextChunk).count
            let n = min(size - chunk.count, rest.count)
            chunk += rest.prefix(n)
            rest = rest.dropFirst(n)
            position += n
            try sealIfFull()
        }
    }

    mutating func appendZeros(upTo length: Int) throws {
        let zeros = [UInt8](repeating: 0, count: EnvelopeFormat.chunkSize)
        while position < length {
            try zeros.withUnsafeBytes { try append(UnsafeRawBufferPointer(rebasing: $0[0..<min($0.count, length - position)])) }
        }
    }

    /// Seals the held-back chunks once the manifest is final.
    func sealHead(_ prefix: [UInt8]) throws {
        let head = prefix + held
        guard prefix.count == prefixLength, head.count == headEnd else {
            throw ReportError.malformedManifest("report layout changed while sealing")
        }
        try head.withUnsafeBytes { bytes in
            for index in 0..<headChunks {
                try writer.seal(chunk: index, UnsafeRawBufferPointer(rebasing: bytes[writer.range(ofChunk: index)]))
            }
        }
        progress?(writer.length)
    }
}
