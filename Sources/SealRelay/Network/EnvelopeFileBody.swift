import NIOCore
import SealCore

/// A spooled envelope as a request body, read in 64 KiB blocks so forwarding a 1 GiB
/// envelope holds a few blocks in memory, never the file. It hashes what it hands over and
/// fails the upload if that is not the envelope the spool holds (a file that changed on
/// disk is not forwarded as something else).
///
/// Back-pressure: AsyncHTTPClient asks for the next block as soon as it queued the last one
/// on the connection's event loop, and pauses only when the socket is full; when TLS on a
/// busy CPU is the bottleneck, blocks would pile up in the loop's queue. So before reading
/// another block, the iterator waits for a no-op queued behind earlier blocks: at most
/// `blocksInFlight` are ever queued. (The CLI's uploads work the same way, docs/ARCHITECTURE.md.)
///
/// The reads are blocking file I/O: the iterator runs on the forwarder's task, never on an
/// event loop.
struct EnvelopeFileBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    struct Changed: Error, CustomStringConvertible {
        var description: String { "the spooled envelope changed on disk while it was being forwarded" }
    }

    let path: String
    let id: EnvelopeID
    let length: Int
    let eventLoop: any EventLoop

    func makeAsyncIterator() -> Iterator { Iterator(body: self) }

    struct Iterator: AsyncIteratorProtocol {
        static let blockSize = 1 << 16
        static let blocksInFlight = 4

        let body: EnvelopeFileBody
        var file: InputFile?
        var hasher = EnvelopeHasher()
        var finished = false
        var markers: [EventLoopFuture<Void>] = []

        init(body: EnvelopeFileBody) { self.body = body }

        mutating func next() async throws -> ByteBuffer? {
            if finished { return nil }
            if hasher.count > 0 {
                markers.append(body.eventLoop.submit {})
                while markers.count >= Self.blocksInFlight { try await markers.removeFirst().get() }
            }
            let file = try self.file ?? InputFile(path: body.path)
            self.file = file
            let want = Swift.min(Self.blockSize, body.length - hasher.count)
            if want == 0 {
                guard try file.read(upTo: 1).isEmpty, hasher.id() == body.id else { throw Changed() }
                finished = true
                self.file = nil
                return nil
            }
            var buffer = ByteBufferAllocator().buffer(capacity: want)
            let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(want)))
            }
            guard got == want else { throw Changed() }
            buffer.withUnsafeReadableBytes { hasher.update($0) }
            return buffer
        }
    }
}
