import Foundation
import NIOCore
import SealCore
import Synchronization

/// An upload body read from a file in 64 KiB blocks, so a 1 GiB envelope is never held in
/// memory. It hashes exactly the bytes it hands to the connection: the envelope id of what
/// was sent, to compare with the relay's receipt. A file that grows or shrinks while it is
/// read fails the upload instead of sending something else than was checked.
///
/// Back-pressure: AsyncHTTPClient (1.37) hands each block to the connection's event loop
/// with `execute` and asks for the next one at once; it pauses only when the socket stops
/// taking bytes. When the event loop itself is the bottleneck (TLS on a slow or busy CPU)
/// the socket never fills and blocks pile up in the loop's task queue: hundreds of MiB for
/// a 1 GiB upload, measured. So before reading another block the iterator waits for a
/// no-op task it queued on the same event loop behind earlier blocks (FIFO): at most
/// `blocksInFlight` blocks are ever queued there.
///
/// Stalls: AsyncHTTPClient's write timeout is suspended while the socket is full, so a
/// relay that stops reading an upload would hold it forever. `watch(stallLimit:)` ends the
/// upload when no block has been taken for that long.
struct FileUploadBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let path: String
    let length: Int
    /// Shown as "LABEL NN%" on a terminal.
    let progressLabel: String?
    let sent: SentDigest
    /// The only event loop the client's connections run on.
    let eventLoop: any EventLoop

    /// What the upload has done so far, shared with the watchdog and the caller.
    final class SentDigest: Sendable {
        private struct State {
            var id: EnvelopeID?
            var lastBlock = ContinuousClock.now
        }
        private let state = Mutex(State())
        /// The id of the bytes handed to the connection, set when the last one was.
        func set(_ id: EnvelopeID) { state.withLock { $0.id = id } }
        var id: EnvelopeID? { state.withLock { $0.id } }
        func tookBlock() { state.withLock { $0.lastBlock = .now } }
        var sinceLastBlock: Duration { state.withLock { ContinuousClock.now - $0.lastBlock } }
    }

    struct Stalled: Error {}

    init(path: String, length: Int, progressLabel: String?, eventLoop: any EventLoop) {
        self.path = path
        self.length = length
        self.progressLabel = progressLabel
        self.sent = SentDigest()
        self.eventLoop = eventLoop
    }

    /// Returns once the whole body was handed over; throws `Stalled` if the connection took
    /// no block for `stallLimit` (counted from the start, so it includes connecting).
    func watch(stallLimit: Duration) async throws {
        while sent.id == nil {
            if sent.sinceLastBlock > stallLimit { throw Stalled() }
            try await Task.sleep(for: .seconds(1))
        }
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(path: path, length: length, progress: progressLabel.flatMap { Terminal.progress($0) }, sent: sent,
                 eventLoop: eventLoop)
    }

    struct Iterator: AsyncIteratorProtocol {
        let path: String
        let length: Int
        let progress: ((Int, Int) -> Void)?
        let sent: SentDigest
        let eventLoop: any EventLoop
        var file: InputFile?
        var hasher = EnvelopeHasher()
        var finished = false
        /// Markers queued on the event loop behind the blocks handed out so far.
        var markers: [EventLoopFuture<Void>] = []

        static let blockSize = 1 << 16
        static let blocksInFlight = 4

        init(path: String, length: Int, progress: ((Int, Int) -> Void)?, sent: SentDigest, eventLoop: any EventLoop) {
            self.path = path
            self.length = length
            self.progress = progress
            self.sent = sent
            self.eventLoop = eventLoop
        }

        mutating func next() async throws -> ByteBuffer? {
            if finished { return nil }
            if hasher.count > 0 {
                // The previous block is in the loop's queue by now; mark the queue behind it
                // and wait until the loop has worked through all but the last few blocks.
                markers.append(eventLoop.submit {})
                while markers.count >= Self.blocksInFlight {
                    try await markers.removeFirst().get()
                }
            }
            let file = try self.file ?? InputFile(path: path)
            self.file = file
            let want = Swift.min(Self.blockSize, length - hasher.count)
            if want == 0 {
                guard try file.read(upTo: 1).isEmpty else { throw CLIError("\(path) grew while it was being sent") }
                finished = true
                self.file = nil
                sent.set(hasher.id())
                if length == 0 { progress?(0, 0) }  // otherwise the last block said 100%
                return nil
            }
            var buffer = ByteBufferAllocator().buffer(capacity: want)
            let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(want)))
            }
            guard got == want else { throw CLIError("\(path) shrank while it was being sent") }
            sent.tookBlock()
            buffer.withUnsafeReadableBytes { hasher.update($0) }
            progress?(hasher.count, length)
            return buffer
        }
    }
}
