import Crypto
import NIOCore
import PostgresNIO
import SealAPI
import SealCore

/// Chunked uploads in progress, in the relay's database (docs/ARCHITECTURE.md "Storage"), so
/// that a resumed upload may reach any node: `uploads` holds each upload's key (`key(_:)`:
/// a hash of its id, so the database never holds the id that lets one write to it), how
/// many bytes it has and the day it last gained some; `upload_chunks` its bytes, in the chunks an
/// envelope is stored in (1 MiB each but the last), so that completing it copies them inside
/// the database. The validator's state is not stored: a node that did not see an upload's
/// bytes feeds them from here into a fresh validator, one chunk at a time.
///
/// Each append moves the upload's size from exactly where the node found it, in the same
/// transaction as its bytes, so two nodes writing one upload at once cannot both succeed.
struct PostgresUploads: Sendable {
    let spool: PostgresSpool
    static var chunkSize: Int { PostgresSpool.chunkSize }

    /// The upload's name in the database: SHA-256 of its id, in base64url.
    static func key(_ id: UploadID) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Array(id.description.utf8))))
    }

    func create(_ id: UploadID) async throws {
        try await spool.database { [logger = spool.logger] connection in
            _ = try await connection.query(
                "INSERT INTO uploads (key, size, expiry_day) VALUES (\(Self.key(id)), 0, \(PostgresSpool.today()))", logger: logger)
        }
    }

    /// How many bytes the upload has; nil if it is not (or no longer) there.
    func size(of id: UploadID) async throws -> Int? {
        try await spool.database { [logger = spool.logger] connection in
            let rows = try await connection.query("SELECT size FROM uploads WHERE key = \(Self.key(id))", logger: logger)
            for try await size in rows.decode(Int.self) { return size }
            return nil
        }
    }

    /// Adds `bytes` at `offset`, bringing the upload to `size`; false if the upload is no
    /// longer at `offset` (another node wrote it, or it went). `bytes` is either exactly
    /// `size - offset` long, or empty for a decoy, which is checked and never stored.
    func append(_ id: UploadID, _ bytes: ByteBuffer, at offset: Int, size: Int) async throws -> Bool {
        try await spool.database { [logger = spool.logger] connection in
            try await connection.withTransaction(logger: logger) { connection in
                let moved = try await connection.query("""
                    UPDATE uploads SET size = \(size), expiry_day = \(PostgresSpool.today())
                    WHERE key = \(Self.key(id)) AND size = \(offset) RETURNING 1
                    """, logger: logger)
                var found = false
                for try await _ in moved.decode(Int.self) { found = true }
                guard found else { return false }
                var rest = bytes
                var at = offset
                while rest.readableBytes > 0 {
                    let take = min(rest.readableBytes, Self.chunkSize - at % Self.chunkSize)
                    guard let piece = rest.readSlice(length: take) else { break }
                    try await connection.query("""
                        INSERT INTO upload_chunks (upload, seq, data) VALUES (\(Self.key(id)), \(at / Self.chunkSize), \(piece))
                        ON CONFLICT (upload, seq) DO UPDATE SET data = upload_chunks.data || excluded.data
                        """, logger: logger)
                    at += take
                }
                return true
            }
        }
    }

    /// Feeds the upload's bytes from `validator.total` up to `size` into `validator`, one
    /// chunk at a time; false if they are not all there (a decoy's, which are never stored).
    func feed(_ id: UploadID, into validator: inout EnvelopeValidator, upTo size: Int) async throws -> Bool {
        while validator.total < size {
            let seq = validator.total / Self.chunkSize
            let chunk: ByteBuffer? = try await spool.database { [logger = spool.logger] connection in
                let rows = try await connection.query(
                    "SELECT data FROM upload_chunks WHERE upload = \(Self.key(id)) AND seq = \(seq)", logger: logger)
                for try await data in rows.decode(ByteBuffer.self) { return data }
                return nil
            }
            let skip = validator.total - seq * Self.chunkSize
            guard let chunk, chunk.readableBytes > skip else { return false }
            let take = min(chunk.readableBytes - skip, size - validator.total)
            try chunk.withUnsafeReadableBytes { try validator.consume(UnsafeRawBufferPointer(rebasing: $0[skip..<skip + take])) }
        }
        return true
    }

    /// Deletes the upload and its bytes if it still has `size` bytes: one that another node
    /// has taken further is that node's to end.
    func delete(_ id: UploadID, at size: Int) async throws {
        try await spool.database { [logger = spool.logger] connection in
            _ = try await connection.query("DELETE FROM uploads WHERE key = \(Self.key(id)) AND size = \(size)", logger: logger)
        }
    }
}
