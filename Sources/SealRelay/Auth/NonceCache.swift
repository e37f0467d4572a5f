import Crypto
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// The signature nonces already used, per credential, for as long as their signature could
/// still pass the time window. It survives a restart: every accepted nonce is appended
/// (as a hash, with no time) to a file and fsynced before the request is served, and a
/// restart reloads the hashes and keeps them for two windows, which is longer than any of
/// them could still be accepted. No time is written, so the file says nothing about when
/// reviewers came.
///
/// Bounded per credential (`capacity`): expired nonces are forgotten first, and a full
/// cache refuses only the credential that filled it, never everyone.
///
/// When the file cannot be written (a full disk), the nonce is still kept in memory and
/// the request served: reviewers' acknowledgements are what frees a full spool, so they
/// must not be locked out by it. Only a restart during such a moment forgets those nonces.
struct NonceCache {
    /// Hash of credential and nonce -> when it may be forgotten.
    private var seen: [String: [[UInt8]: Date]] = [:]
    let capacity: Int
    let path: String?
    private var appended = 0

    /// - Parameter window: how long a signature is acceptable either side of `created`.
    init(path: String?, window: TimeInterval, capacity: Int, now: Date = Date()) {
        self.capacity = capacity
        self.path = path
        guard let path, let bytes = try? InputFile.readAll(path: path, limit: 64 << 20) else { return }
        // Each record: the credential's 32-byte fingerprint, then 16 bytes of nonce hash.
        let forget = now.addingTimeInterval(2 * window)
        var offset = 0
        while offset + 48 <= bytes.count {
            let key = Hex.encode(Array(bytes[offset..<offset + 32]))
            seen[key, default: [:]][Array(bytes[offset + 32..<offset + 48])] = forget
            offset += 48
        }
    }

    /// Records a nonce; false if it was seen before, or the credential's share is full.
    mutating func insert(keyID: String, nonce: String, until expiry: Date, now: Date) -> Bool {
        let hash = Array(SHA256.hash(data: Array("\(keyID) \(nonce)".utf8)).prefix(16))
        var mine = seen[keyID] ?? [:]
        guard mine[hash] == nil else { return false }
        if mine.count >= capacity { mine = mine.filter { $0.value >= now } }
        guard mine.count < capacity else { return false }
        if let path, let fingerprint = Fingerprint(hex: keyID) {
            try? append(fingerprint.bytes + hash, to: path)
        }
        mine[hash] = expiry
        seen[keyID] = mine
        return true
    }

    /// Appends one record durably. Blocking, but only reviewer requests (few) reach it.
    private mutating func append(_ record: [UInt8], to path: String) throws {
        appended += 1
        if appended > 4 * capacity { try compact(to: path) }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.io("cannot open the nonce file") }
        defer {
            FileTimes.normalise(descriptor: fd)
            close(fd)
        }
        let written = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == record.count, fsync(fd) == 0 else { throw SpoolError.io("cannot record the nonce") }
    }

    /// Rewrites the file with the live records only, so it stays bounded.
    private mutating func compact(to path: String) throws {
        var bytes: [UInt8] = []
        for (key, nonces) in seen {
            guard let fingerprint = Fingerprint(hex: key) else { continue }
            for hash in nonces.keys { bytes += fingerprint.bytes + hash }
        }
        try AtomicFile.write(bytes, to: path, mode: 0o600, replaceExisting: true)
        appended = 0
    }
}
