import Crypto
import Foundation
import SealCore

/// The signature nonces already used, per credential, for as long as their signature could
/// still pass the time window. It survives a restart: every accepted nonce is appended
/// (as a hash, with no time) to a `RecordLog` before the request is served, and a restart
/// reloads the hashes and keeps them for two windows, which is longer than any of them
/// could still be accepted. No time is written, so the file says nothing about when
/// reviewers came.
///
/// Bounded per credential (`capacity`): expired nonces are forgotten first, and a full
/// cache refuses only the credential that filled it, never everyone.
///
/// When the file cannot be written (a full disk), the nonce is still kept in memory and
/// the request served: reviewers' acknowledgements are what frees a full spool, so they
/// must not be locked out by it. Only a restart during such a moment forgets those nonces.
struct NonceCache {
    /// Credential fingerprint (hex) -> nonce hash -> when it may be forgotten.
    private var seen: [String: [[UInt8]: Date]] = [:]
    let capacity: Int
    /// Each record: the credential's 32-byte fingerprint, then 16 bytes of nonce hash.
    let log: RecordLog?
    private var appended = 0

    /// - Parameter window: how long a signature is acceptable either side of `created`.
    init(path: String?, window: TimeInterval, capacity: Int, now: Date = Date()) {
        self.capacity = capacity
        self.log = path.map { RecordLog(path: $0, recordSize: 48) }
        let forget = now.addingTimeInterval(2 * window)
        for record in log?.load() ?? [] {
            seen[Hex.encode(record.prefix(32)), default: [:]][Array(record.suffix(16))] = forget
        }
    }

    /// What is kept of a nonce: 16 bytes of hash over the credential and the nonce, the same
    /// here, in the file and in the database (`PostgresUsedOnce`).
    static func hash(keyID: String, nonce: String) -> [UInt8] {
        Array(SHA256.hash(data: Array("\(keyID) \(nonce)".utf8)).prefix(16))
    }

    /// Records a nonce; false if it was seen before, or the credential's share is full.
    mutating func insert(keyID: String, nonce: String, until expiry: Date, now: Date) -> Bool {
        let hash = Self.hash(keyID: keyID, nonce: nonce)
        var mine = seen[keyID] ?? [:]
        guard mine[hash] == nil else { return false }
        if mine.count >= capacity { mine = mine.filter { $0.value >= now } }
        guard mine.count < capacity else { return false }
        mine[hash] = expiry
        seen[keyID] = mine
        if let log, let fingerprint = Fingerprint(hex: keyID) {
            appended += 1
            // Rewritten with the live records only, now and then, so the file stays bounded.
            if appended > 4 * capacity {
                try? log.replace(with: seen.flatMap { key, nonces in
                    nonces.keys.compactMap { hash in Fingerprint(hex: key).map { $0.bytes + hash } }
                })
                appended = 0
            } else {
                try? log.append(fingerprint.bytes + hash)
            }
        }
        return true
    }

    /// Forgets a nonce whose request was refused after all (the shared record was away).
    mutating func remove(keyID: String, nonce: String) {
        seen[keyID]?[Self.hash(keyID: keyID, nonce: nonce)] = nil
    }
}
