import CSodium
import Foundation

/// Any secret key file (docs/FORMAT.md §1-2): its type, its public fields, and its secret fields,
/// which are kept in guarded memory and either stored in the clear or sealed under a
/// passphrase in a "protected" object.
struct SecretKeyFile {
    let type: String
    let publicFields: [String: String]
    let secrets: [String: SecureBytes]

    static let maxFileSize = 64 * 1024

    // MARK: writing

    func encoded(passphrase: Passphrase?) throws -> [UInt8] {
        var object: [String: Any] = ["type": type, "v": 1]
        for (k, v) in publicFields { object[k] = v }
        if let passphrase {
            let inner = Self.secretJSON(secrets)
            let protection = try PassphraseProtection.seal(inner, passphrase: passphrase, type: type)
            object["protected"] = [
                "kdf": protection.kdf, "ops": protection.ops, "mem": protection.mem,
                "salt": protection.salt, "nonce": protection.nonce, "ct": protection.ct,
            ]
        } else {
            // An unprotected file is plaintext on disk already; its secrets pass through
            // ordinary strings here, which guarded memory could not improve on.
            for (k, v) in secrets { object[k] = Base64URL.encode(v) }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data) + [0x0A]
    }

    /// The JSON of the secret fields, built directly in guarded memory.
    static func secretJSON(_ secrets: [String: SecureBytes]) -> SecureBytes {
        let fields = secrets.sorted { $0.key < $1.key }
        // {"name":"value",...}: 6 bytes of quotes, colon and comma per field, minus one comma, plus braces.
        let total = fields.reduce(1) { $0 + $1.key.utf8.count + base64Length($1.value.count) + 6 } + (fields.isEmpty ? 1 : 0)
        return SecureBytes(count: total) { out in
            var at = 0
            func put(_ s: String) {
                for b in s.utf8 { out[at] = b; at += 1 }
            }
            put("{")
            for (i, field) in fields.enumerated() {
                if i > 0 { put(",") }
                put("\"\(field.key)\":\"")
                let len = base64Length(field.value.count)
                field.value.withUnsafeBytes { bin in
                    // sodium_bin2base64 writes a terminating NUL; the byte after the value is
                    // the closing quote, written over it just below.
                    _ = sodium_bin2base64((out.baseAddress! + at).assumingMemoryBound(to: CChar.self), len + 1,
                                          bin.baseAddress?.assumingMemoryBound(to: UInt8.self), bin.count,
                                          sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                }
                at += len
                put("\"")
            }
            put("}")
        }
    }

    static func base64Length(_ n: Int) -> Int { 4 * (n / 3) + (n % 3 == 0 ? 0 : n % 3 + 1) }

    // MARK: reading

    /// - Parameter passphrase: asked only if the file is protected.
    static func decode(_ bytes: [UInt8], expectedType: String, secretNames: [String: Int],
                       passphrase: () throws -> Passphrase?) throws -> SecretKeyFile {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw KeyError.malformed("not a JSON object (truncated or damaged?)")
        }
        let type = object["type"] as? String ?? ""
        guard type == expectedType else { throw KeyError.wrongType(expected: expectedType, found: type) }
        guard let v = object["v"] as? Int else { throw KeyError.malformed("missing version") }
        guard v == 1 else { throw KeyError.unsupportedVersion(v) }
        var publicFields: [String: String] = [:]
        for key in ["name", "kid"] {
            if let value = object[key] as? String { publicFields[key] = value }
        }
        let secrets: [String: SecureBytes]
        if let protectedObject = object["protected"] {
            guard let pdata = try? JSONSerialization.data(withJSONObject: protectedObject),
                  let protection = try? JSONDecoder().decode(PassphraseProtection.self, from: pdata)
            else { throw KeyError.malformed("the protected object is incomplete") }
            guard let passphrase = try passphrase() else { throw KeyError.passphraseRequired }
            let inner = try protection.open(passphrase: passphrase, type: type)
            secrets = try parseSecretJSON(inner, names: secretNames)
        } else {
            var found: [String: SecureBytes] = [:]
            for (name, length) in secretNames {
                guard let text = object[name] as? String else { throw KeyError.malformed("missing \(name)") }
                found[name] = try decodeSecret(Array(text.utf8), length: length, name: name)
            }
            secrets = found
        }
        return SecretKeyFile(type: type, publicFields: publicFields, secrets: secrets)
    }

    /// Parses the flat object `{"name":"b64url",...}` that `secretJSON` writes, without
    /// copying any secret out of guarded memory.
    static func parseSecretJSON(_ json: SecureBytes, names: [String: Int]) throws -> [String: SecureBytes] {
        try json.withUnsafeBytes { raw in
            var i = 0
            func skipSpace() { while i < raw.count, [0x20, 0x0A, 0x0D, 0x09].contains(raw[i]) { i += 1 } }
            func expect(_ c: UInt8) throws {
                skipSpace()
                guard i < raw.count, raw[i] == c else { throw KeyError.malformed("sealed fields are not valid JSON") }
                i += 1
            }
            func string() throws -> Range<Int> {
                try expect(0x22)
                let start = i
                while i < raw.count, raw[i] != 0x22 {
                    guard raw[i] != 0x5C else { throw KeyError.malformed("sealed fields are not valid JSON") }
                    i += 1
                }
                guard i < raw.count else { throw KeyError.malformed("sealed fields are not valid JSON") }
                defer { i += 1 }
                return start..<i
            }
            var result: [String: SecureBytes] = [:]
            try expect(0x7B)
            skipSpace()
            if i < raw.count, raw[i] == 0x7D { i += 1 } else {
                repeat {
                    let keyRange = try string()
                    let key = String(decoding: raw[keyRange], as: UTF8.self)
                    try expect(0x3A)
                    let valueRange = try string()
                    if let length = names[key] {
                        result[key] = try decodeSecret(UnsafeRawBufferPointer(rebasing: raw[valueRange]), length: length, name: key)
                    }
                    skipSpace()
                    guard i < raw.count else { throw KeyError.malformed("sealed fields are not valid JSON") }
                    let c = raw[i]
                    i += 1
                    if c == 0x7D { break }
                    guard c == 0x2C else { throw KeyError.malformed("sealed fields are not valid JSON") }
                } while true
            }
            for name in names.keys where result[name] == nil {
                throw KeyError.malformed("missing \(name)")
            }
            return result
        }
    }

    /// Constant-time base64url decoding (libsodium's) straight into guarded memory.
    static func decodeSecret(_ text: some ContiguousBytes, length: Int, name: String) throws -> SecureBytes {
        try SecureBytes(count: length) { (out: UnsafeMutablePointer<UInt8>, _: Int) in
            var binLen = 0
            let rc = text.withUnsafeBytes { t in
                sodium_base642bin(out, length,
                                  t.baseAddress?.assumingMemoryBound(to: CChar.self), t.count,
                                  nil, &binLen, nil, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
            }
            guard rc == 0, binLen == length else {
                throw KeyError.malformed("\(name) is not base64url of \(length) bytes")
            }
        }
    }
}
