import Hummingbird
import NIOCore
import SealAPI

extension StoredEnvelope {
    /// The envelope as a download: a file through `fileIO`, or the database's chunks read one
    /// at a time as the client takes them, so memory stays at one chunk per download.
    func responseBody(fileIO: FileIO, context: some RequestContext) async throws -> ResponseBody {
        switch self {
        case .file(let path):
            return try await fileIO.loadFile(path: path, context: context)
        case .chunks(let store, let blob, let size):
            let count = (size + PostgresSpool.chunkSize - 1) / PostgresSpool.chunkSize
            return ResponseBody(contentLength: size) { writer in
                for seq in 0..<count {
                    // Gone mid-download (acknowledged or expired elsewhere): the body ends
                    // short, which the client's content-id check catches.
                    guard let chunk = try await store.chunk(blob: blob, seq: seq) else { throw SpoolError.unavailable }
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            }
        }
    }
}

extension RelayError {
    /// A storage failure on a read or an acknowledgement: 503 when the database is away,
    /// else the disk's 507.
    init(storage error: any Error, _ message: String) {
        if let error = error as? SpoolError, error == .unavailable {
            self.init(.storageUnavailable, SpoolError.unavailable.description)
        } else {
            self.init(.storageFailed, message)
        }
    }
}
