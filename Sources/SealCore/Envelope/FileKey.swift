import Crypto
import Foundation

/// The random 32-byte key of one envelope, and the two keys derived from it (docs/FORMAT.md §3-4).
/// Opaque outside SealCore: nothing else needs its bytes.
public struct FileKey: Sendable {
    let key: SymmetricKey

    static func generate() -> FileKey { FileKey(key: SymmetricKey(size: .bits256)) }

    init(key: SymmetricKey) { self.key = key }

    init(bytes: some ContiguousBytes) { self.key = SymmetricKey(data: bytes) }

    var headerKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: [UInt8](), info: EnvelopeFormat.headerKeyInfo, outputByteCount: 32)
    }

    func payloadKey(salt: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: salt, info: EnvelopeFormat.payloadKeyInfo, outputByteCount: 32)
    }

    func headerMAC(_ head: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: head, using: headerKey))
    }
}
