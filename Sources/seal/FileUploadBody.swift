import Foundation
import NIOCore
import SealCore
import Synchronization

/// An upload body read from a file in 64 KiB blocks, so a 1 GiB envelope is never held in
/// memory. It hashes exactly the bytes it hands to the connection: the envelope id of what
/// was sent, to compare with the relay's receipt. A file that grows or shrinks while it is
/// read fails the upload instead of sending something else than was checked.
struct FileUploadBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let path: String
    let length: Int
    /// Shown as "LABEL NN%" on a terminal.
    let progressLabel: String?
    let sent: SentDigest

    /// The id of the bytes that were handed to the connection, set when the last one was.
    final class SentDigest: Sendable {
        private let value = Mutex<EnvelopeID?>(nil)
        func set(_ id: EnvelopeID) { value.withLock { $0 = id } }
        var id: EnvelopeID? { value.withLock { $0 } }
    }

    init(path: String, length: Int, progressLabel: String?) {
        self.path = path
        self.length = length
        self.progressLabel = progressLabel
        self.sent = SentDigest()
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(path: path, length: length, progress: progressLabel.flatMap { Terminal.progress($0) }, sent: sent)
    }

    struct Iterator: AsyncIteratorProtocol {
        let path: String
        let length: Int
        let progress: ((Int, Int) -> Void)?
        let sent: SentDigest
        var file: InputFile?
        var hasher = EnvelopeID.Hasher()
        var finished = false

        static let blockSize = 1 << 16

        init(path: String, length: Int, progress: ((Int, Int) -> Void)?, sent: SentDigest) {
            self.path = path
            self.length = length
            self.progress = progress
            self.sent = sent
        }

        mutating func next() async throws -> ByteBuffer? {
            if finished { return nil }
            let file = try self.file ?? InputFile(path: path)
            self.file = file
            let want = Swift.min(Self.blockSize, length - hasher.count)
            if want == 0 {
                guard try file.read(upTo: 1).isEmpty else { throw CLIError("\(path) grew while it was being sent") }
                finished = true
                self.file = nil
                sent.set(hasher.finalize())
                progress?(length, length)
                return nil
            }
            var buffer = ByteBufferAllocator().buffer(capacity: want)
            let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(want)))
            }
            guard got == want else { throw CLIError("\(path) shrank while it was being sent") }
            buffer.withUnsafeReadableBytes { hasher.update($0) }
            progress?(hasher.count, length)
            return buffer
        }
    }
}
