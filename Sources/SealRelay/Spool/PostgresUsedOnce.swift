import NIOCore
import PostgresNIO

/// `UsedOnceRecord` in a table of the relay's database (`PostgresSchema`): the key and the
/// day after which it may go, nothing else. Two nodes inserting the same key at once cannot
/// both admit it: the insert is `ON CONFLICT DO NOTHING` and only the one that wrote a row
/// gets true. `PostgresSpool.expire(now:)` deletes the rows whose day is over.
struct PostgresUsedOnce: UsedOnceRecord {
    enum Table: String, Sendable, CaseIterable {
        /// The random part of each proof-of-work challenge presented.
        case challenges = "spent_challenges"
        /// A hash of each signature nonce accepted, with its credential (`NonceCache.hash`).
        case nonces = "used_nonces"
    }

    let spool: PostgresSpool
    let table: Table

    func insert(_ key: [UInt8], untilDay day: Int) async throws -> Bool {
        let (table, key) = (table.rawValue, ByteBuffer(bytes: key))
        return try await spool.database { [logger = spool.logger] connection in
            let rows = try await connection.query("""
                INSERT INTO \(unescaped: table) (key, expiry_day) VALUES (\(key), \(day)) ON CONFLICT (key) DO NOTHING RETURNING 1
                """, logger: logger)
            var inserted = 0
            for try await _ in rows.decode(Int.self) { inserted += 1 }
            return inserted == 1
        }
    }
}
