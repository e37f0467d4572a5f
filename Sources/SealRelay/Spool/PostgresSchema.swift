import Logging
import PostgresNIO

/// The database's tables (docs/ARCHITECTURE.md "Storage"), as numbered migrations applied in
/// order at start, under an advisory lock so that nodes starting together apply each once.
///
/// Nothing here holds a time finer than a day: `expiry_day` is days since 1970. Envelope
/// rows are named by a random `blob` key, never a sequence, so keys say nothing about
/// arrival order. Envelope bytes are ciphertext: chunks are stored uncompressed (EXTERNAL).
enum PostgresSchema {
    /// Migration `n` (1-based) is `migrations[n - 1]`, one statement per string.
    static let migrations: [[PostgresQuery]] = [
        [
            """
            CREATE TABLE envelopes (
                blob text PRIMARY KEY,
                id text NOT NULL,
                mailbox text,
                size bigint NOT NULL,
                expiry_day integer NOT NULL,
                receipt bytea
            )
            """,
            "CREATE UNIQUE INDEX envelopes_report ON envelopes (id) WHERE mailbox IS NULL",
            "CREATE UNIQUE INDEX envelopes_reply ON envelopes (mailbox, id) WHERE mailbox IS NOT NULL",
            """
            CREATE TABLE chunks (
                blob text NOT NULL REFERENCES envelopes ON DELETE CASCADE,
                seq integer NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (blob, seq)
            )
            """,
            "ALTER TABLE chunks ALTER COLUMN data SET STORAGE EXTERNAL",
            """
            CREATE TABLE recipients (
                blob text NOT NULL REFERENCES envelopes ON DELETE CASCADE,
                kid text NOT NULL,
                acknowledged boolean NOT NULL DEFAULT false,
                PRIMARY KEY (blob, kid)
            )
            """,
            "CREATE TABLE acknowledged (id text PRIMARY KEY, expiry_day integer NOT NULL)",
        ],
        // What may be used once, shared by every node (`PostgresUsedOnce`): the key and a
        // day, never the challenge's expiry minute or a signature's time.
        [
            "CREATE TABLE spent_challenges (key bytea PRIMARY KEY, expiry_day integer NOT NULL)",
            "CREATE TABLE used_nonces (key bytea PRIMARY KEY, expiry_day integer NOT NULL)",
        ],
        // Chunked uploads in progress (`PostgresUploads`): a hash of the id, the day an upload
        // last gained bytes, never a time; its bytes in the chunks its envelope will have.
        [
            "CREATE TABLE uploads (key text PRIMARY KEY, size bigint NOT NULL, expiry_day integer NOT NULL)",
            """
            CREATE TABLE upload_chunks (
                upload text NOT NULL REFERENCES uploads ON DELETE CASCADE,
                seq integer NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (upload, seq)
            )
            """,
            "ALTER TABLE upload_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
        ],
        // What the quotas are checked against at every upload (`PostgresSpool.usage`): a
        // count and a sum of the envelopes, kept by a trigger, so that checking them reads 16
        // rows instead of every envelope. Spread over 16 rows by the blob's hash (masked with
        // 15), so that concurrent commits seldom wait on one another's row. The trigger is
        // made before the envelopes already there are counted: it locks `envelopes` against
        // writes until this commits, so the totals start exact.
        [
            "CREATE TABLE usage (shard integer PRIMARY KEY, envelopes bigint NOT NULL, bytes bigint NOT NULL)",
            "INSERT INTO usage (shard, envelopes, bytes) SELECT s, 0, 0 FROM generate_series(0, 15) s",
            """
            CREATE FUNCTION sealrelay_count_usage() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    UPDATE usage SET envelopes = envelopes + 1, bytes = bytes + NEW.size
                    WHERE shard = hashtext(NEW.blob) & 15;
                ELSE
                    UPDATE usage SET envelopes = envelopes - 1, bytes = bytes - OLD.size
                    WHERE shard = hashtext(OLD.blob) & 15;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER envelopes_usage AFTER INSERT OR DELETE ON envelopes
            FOR EACH ROW EXECUTE FUNCTION sealrelay_count_usage()
            """,
            """
            UPDATE usage SET envelopes = total.envelopes, bytes = total.bytes
            FROM (SELECT count(*) AS envelopes, coalesce(sum(size), 0) AS bytes FROM envelopes) AS total
            WHERE shard = 0
            """,
        ],
    ]

    /// Any constant both nodes agree on: the advisory lock that serialises migrations.
    static let migrationLock: Int64 = 0x5EA1_5C7E_3A00_0001

    /// Brings the schema to the newest version; a no-op when it is there.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS sealrelay_schema (version integer NOT NULL)", logger: logger)
            var current = 0
            for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM sealrelay_schema",
                                                                logger: logger).decode(Int.self) {
                current = version
            }
            guard current < migrations.count else { return }
            for (index, statements) in migrations.enumerated() where index + 1 > current {
                for statement in statements { try await connection.query(statement, logger: logger) }
            }
            try await connection.query("DELETE FROM sealrelay_schema", logger: logger)
            try await connection.query("INSERT INTO sealrelay_schema (version) VALUES (\(migrations.count))", logger: logger)
        }
    }
}
