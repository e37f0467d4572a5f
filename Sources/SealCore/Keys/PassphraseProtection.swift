import CSodium

/// The "protected" object of a secret key file: Argon2id stretches the passphrase, and
/// XChaCha20-Poly1305 seals the secret fields under the result (docs/FORMAT.md §1-2). The cost is
/// stored in the file so it can rise later without a format change; no setting lowers it.
public struct PassphraseProtection: Codable, Sendable, Equatable {
    public let kdf: String
    public let ops: UInt64
    public let mem: UInt64
    public let salt: String
    public let nonce: String
    public let ct: String

    /// libsodium's "moderate" level: 3 passes over 256 MiB, about 0.7 s here.
    static var defaultOps: UInt64 { UInt64(crypto_pwhash_opslimit_moderate()) }
    static var defaultMem: UInt64 { UInt64(crypto_pwhash_memlimit_moderate()) }
    /// Readers refuse anything weaker than we write, and anything so costly it is a denial of service.
    static let opsRange: ClosedRange<UInt64> = 3...16
    static let memRange: ClosedRange<UInt64> = (256 << 20)...(4 << 30)

    /// Seals `plaintext` (the JSON of the secret fields) with AAD = the file's type string.
    static func seal(_ plaintext: SecureBytes, passphrase: Passphrase, type: String) throws -> PassphraseProtection {
        Sodium.ready()
        let salt = Sodium.randomBytes(Int(crypto_pwhash_saltbytes()))
        let nonce = Sodium.randomBytes(Int(crypto_aead_xchacha20poly1305_ietf_npubbytes()))
        let key = try deriveKey(passphrase, salt: salt, ops: defaultOps, mem: defaultMem)
        var ct = [UInt8](repeating: 0, count: plaintext.count + Int(crypto_aead_xchacha20poly1305_ietf_abytes()))
        var ctLen: UInt64 = 0
        let aad = Array(type.utf8)
        let rc = plaintext.withBytePointer { m, mlen in
            key.withBytePointer { k, _ in
                crypto_aead_xchacha20poly1305_ietf_encrypt(&ct, &ctLen, m, UInt64(mlen), aad, UInt64(aad.count), nil, nonce, k)
            }
        }
        guard rc == 0 else { throw KeyError.malformed("encryption of the key file failed") }
        return PassphraseProtection(kdf: "argon2id", ops: defaultOps, mem: defaultMem,
                                    salt: Base64URL.encode(salt), nonce: Base64URL.encode(nonce),
                                    ct: Base64URL.encode(ct))
    }

    /// Opens the sealed fields into guarded memory.
    func open(passphrase: Passphrase, type: String) throws -> SecureBytes {
        guard kdf == "argon2id" else { throw KeyError.malformed("unknown kdf \(kdf)") }
        guard Self.opsRange.contains(ops), Self.memRange.contains(mem) else { throw KeyError.weakParameters }
        guard let salt = Base64URL.decode(salt, count: Int(crypto_pwhash_saltbytes())),
              let nonce = Base64URL.decode(nonce, count: Int(crypto_aead_xchacha20poly1305_ietf_npubbytes())),
              let ct = Base64URL.decode(ct), ct.count >= Int(crypto_aead_xchacha20poly1305_ietf_abytes())
        else { throw KeyError.malformed("protected fields are not valid base64url of the right size") }
        let key = try deriveKey(passphrase, salt: salt, ops: ops, mem: mem)
        let aad = Array(type.utf8)
        let plainCount = ct.count - Int(crypto_aead_xchacha20poly1305_ietf_abytes())
        return try SecureBytes(count: plainCount) { (out: UnsafeMutablePointer<UInt8>, _: Int) in
            var outLen: UInt64 = 0
            let rc = key.withBytePointer { k, _ in
                crypto_aead_xchacha20poly1305_ietf_decrypt(out, &outLen, nil, ct, UInt64(ct.count), aad, UInt64(aad.count), nonce, k)
            }
            guard rc == 0 else { throw KeyError.wrongPassphrase }
        }
    }

    private static func deriveKey(_ passphrase: Passphrase, salt: [UInt8], ops: UInt64, mem: UInt64) throws -> SecureBytes {
        try SecureBytes(count: Int(crypto_aead_xchacha20poly1305_ietf_keybytes())) { (out: UnsafeMutablePointer<UInt8>, outLen: Int) in
            let rc = passphrase.bytes.withBytePointer { p, plen in
                p.withMemoryRebound(to: CChar.self, capacity: plen) { chars in
                    crypto_pwhash(out, UInt64(outLen), chars, UInt64(plen), salt, ops, Int(mem), crypto_pwhash_ALG_ARGON2ID13)
                }
            }
            guard rc == 0 else {
                throw KeyError.malformed("not enough memory for Argon2id (\(mem >> 20) MiB)")
            }
        }
    }

    private func deriveKey(_ passphrase: Passphrase, salt: [UInt8], ops: UInt64, mem: UInt64) throws -> SecureBytes {
        try Self.deriveKey(passphrase, salt: salt, ops: ops, mem: mem)
    }
}
