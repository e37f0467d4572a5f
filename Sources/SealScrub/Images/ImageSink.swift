import Foundation
import SealCore

/// Buffers small writes to the output so a scrub does not make one system call per segment.
final class ImageSink {
    private let output: AtomicFile
    private var pending: [UInt8] = []
    private(set) var written = 0

    init(_ output: AtomicFile) {
        self.output = output
        pending.reserveCapacity(1 << 16)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        written += bytes.count
        if pending.count + bytes.count > 1 << 16 {
            try flush()
            if bytes.count >= 1 << 16 {
                try output.write(bytes)
                return
            }
        }
        pending += bytes
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        try output.write(pending)
        pending.removeAll(keepingCapacity: true)
    }
}
