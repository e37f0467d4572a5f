import Foundation
import Logging
import PostgresNIO
import SealCore

/// `sealrelayd migrate` (Deploy/postgresql.md): copies a stopped relay's file spool into a
/// PostgreSQL database: every queued report with its delivery state and kept receipt, every
/// reply, and the acknowledged-id record, each envelope in one transaction. The spool
/// directory is left as it was, so nothing is lost if the copy stops half-way; run again,
/// it copies only what the database does not have yet.
public enum SpoolMigration {
    public struct Summary: Sendable {
        public let envelopes: Int
        public let bytes: Int
        public let acknowledged: Int
        /// Envelopes the database had already (an earlier run).
        public let alreadyThere: Int
    }

    public static func run(config: RelayConfig, to location: StorageLocation.PostgresLocation, passwordFile: String,
                           logger: Logger) async throws -> Summary {
        guard config.storage == .file else { throw ConfigError("this relay keeps its spool in \(config.storage) already") }
        let quotas = Spool.Quotas(maxEnvelopeBytes: config.maxEnvelopeBytes, maxSpoolBytes: config.maxSpoolBytes,
                                  maxEnvelopes: config.maxEnvelopes)
        let spool = try Spool(directory: config.path(config.spool), quotas: quotas, expiryDays: config.expiryDays,
                              expiryJitterDays: config.expiryJitterDays)
        let store = PostgresSpool(location: location, password: try PostgresSpool.password(from: passwordFile), quotas: quotas,
                                  incomingDirectory: spool.incomingDirectory, expiryDays: config.expiryDays,
                                  expiryJitterDays: config.expiryJitterDays, logger: logger)
        let receipts = ReceiptBook(key: try RelayKey.load(stateDirectory: config.directory), directory: spool.envelopeDirectory)
        let pool = Relay.commitPool
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            do {
                let (held, acknowledged) = await spool.everything()
                var (envelopes, bytes, already) = (0, 0, 0)
                for item in held {
                    let receipt = item.mailbox == nil ? await store.keptReceipt(fromFile: item.id, book: receipts, threadPool: pool) : nil
                    if try await store.importEnvelope(item, receipt: receipt, threadPool: pool) {
                        envelopes += 1
                        bytes += item.size
                    } else {
                        already += 1
                    }
                }
                for (id, day) in acknowledged { try await store.importAcknowledged(id, day: day) }
                group.cancelAll()
                return Summary(envelopes: envelopes, bytes: bytes, acknowledged: acknowledged.count, alreadyThere: already)
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
