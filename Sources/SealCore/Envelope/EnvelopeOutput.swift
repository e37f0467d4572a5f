import Crypto
import Foundation

/// Where sealed bytes go. Chunks are position-addressed (STREAM's nonce is the chunk
/// index), so a writer may fill them in any order: the report writer seals the chunks
/// holding attachment bytes first and the one holding the manifest last.
public protocol EnvelopeOutput {
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws
}

extension AtomicFile: EnvelopeOutput {}
