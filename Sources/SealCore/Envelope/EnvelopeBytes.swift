import Crypto
import Foundation

/// An envelope in memory (tests, test vectors, small replies).
public final class EnvelopeBytes: EnvelopeOutput {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public func write(_ chunk: UnsafeRawBufferPointer, at offset: Int) throws {
        if bytes.count < offset + chunk.count { bytes += [UInt8](repeating: 0, count: offset + chunk.count - bytes.count) }
        bytes.withUnsafeMutableBytes { dst in
            if chunk.count > 0 { (dst.baseAddress! + offset).copyMemory(from: chunk.baseAddress!, byteCount: chunk.count) }
        }
    }
}
