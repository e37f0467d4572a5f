import Crypto
import Foundation
import SealCore

/// The 32-byte key the relay MACs its proof-of-work challenges with. The file spool keeps
/// it in the state directory (`pow.key`, 0600), made on first start; a relay whose key is
/// replaced simply stops recognising challenges it issued before, which clients handle by
/// asking for a fresh one.
enum ProofOfWorkKey {
    static let byteCount = 32

    static func loadOrCreate(path: String) throws -> SymmetricKey {
        if FileManager.default.fileExists(atPath: path) {
            let bytes = try InputFile.readAll(path: path, limit: byteCount + 1)
            guard bytes.count == byteCount else { throw ConfigError("\(path) is not a proof-of-work key (32 bytes)") }
            return SymmetricKey(data: bytes)
        }
        let bytes = SecureBytes.random(count: byteCount)
        try bytes.withUnsafeBytes { try AtomicFile.write($0, to: path, mode: 0o600) }
        return SymmetricKey(data: bytes.withUnsafeBytes { Array($0) })
    }
}
