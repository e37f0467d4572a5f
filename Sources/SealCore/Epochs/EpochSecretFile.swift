import Foundation

/// `NAME.epochs.seckey`: a reviewer's epoch secrets, each month sealed on its own under the
/// same passphrase, so one month can be removed without the others and a damaged entry
/// costs only its month; and the months already retired, by epoch and kid only, so `seal
/// open` can say why an envelope no longer opens (docs/FORMAT.md, "Epoch keys").
public struct EpochSecretFile: Sendable {
    public let name: String
    /// In month order.
    public let epochs: [Entry]
    public let retired: [Retired]

    public static let type = "sealrelay-epochs-secret"
    static let maxFileSize = 1 << 20
    static let secretNames = ["x25519": 32, "xwing": 32]

    public struct Retired: Sendable, Equatable {
        public let epoch: EpochMonth
        public let kid: KeyID
    }

    public struct Entry: Sendable {
        public let epoch: EpochMonth
        public let kid: KeyID
        let secret: Secret
        /// Why this entry cannot be used, when only this entry is damaged.
        let damage: String?

        public var isSealed: Bool {
            if case .sealed = secret { return true }
            return false
        }
    }

    enum Secret: Sendable {
        case clear(x25519: SecureBytes, xwing: SecureBytes)
        case sealed(PassphraseProtection)
        /// Kept byte for byte, so rewriting the file (retiring other months) loses nothing
        /// a reviewer might still recover.
        case unusable(raw: Data)
    }

    init(name: String, epochs: [Entry], retired: [Retired]) throws {
        var months = Set<EpochMonth>()
        var kids = Set<KeyID>()
        for (epoch, kid) in epochs.map({ ($0.epoch, $0.kid) }) + retired.map({ ($0.epoch, $0.kid) }) {
            guard months.insert(epoch).inserted else { throw EpochError.duplicateEpoch(epoch.description) }
            guard kids.insert(kid).inserted else { throw EpochError.duplicateKey(kid.base64URL) }
        }
        self.name = name
        self.epochs = epochs.sorted { $0.epoch < $1.epoch }
        self.retired = retired.sorted { $0.epoch < $1.epoch }
    }

    // MARK: making

    /// Fresh random keys for `months` (not derived from the identity: a derived key would
    /// fall with the identity it came from), appended to this file's months.
    public func adding(months: [EpochMonth], passphrase: Passphrase?) throws -> (file: EpochSecretFile, publicKeys: [EpochPublicKey]) {
        var entries = epochs
        var publics: [EpochPublicKey] = []
        for month in months {
            if retired.contains(where: { $0.epoch == month }) { throw EpochError.alreadyRetired(month.description) }
            let identity = try ReviewerIdentity.generate(name: name)
            let secret: Secret
            if let passphrase {
                let json = SecretKeyFile.secretJSON(["x25519": identity.x25519Secret, "xwing": identity.xwingSeed])
                secret = .sealed(try PassphraseProtection.seal(json, passphrase: passphrase, type: Self.type))
            } else {
                secret = .clear(x25519: identity.x25519Secret, xwing: identity.xwingSeed)
            }
            entries.append(Entry(epoch: month, kid: identity.kid, secret: secret, damage: nil))
            publics.append(EpochPublicKey(epoch: month, key: identity.publicKey))
        }
        return (try EpochSecretFile(name: name, epochs: entries, retired: retired), publics)
    }

    public static func empty(name: String) -> EpochSecretFile {
        // An empty list cannot hold a duplicate.
        (try? EpochSecretFile(name: name, epochs: [], retired: [])) ?? EpochSecretFile(unchecked: name)
    }

    private init(unchecked name: String) {
        self.name = name
        self.epochs = []
        self.retired = []
    }

    /// This file without the secrets of every month before `month`, which move to `retired`.
    public func retiring(before month: EpochMonth) throws -> (file: EpochSecretFile, retiredNow: [Retired]) {
        let gone = epochs.filter { $0.epoch < month }.map { Retired(epoch: $0.epoch, kid: $0.kid) }
        let kept = epochs.filter { $0.epoch >= month }
        return (try EpochSecretFile(name: name, epochs: kept, retired: retired + gone), gone)
    }

    // MARK: using

    /// The month a kid belongs to, whether its secret is here or was retired.
    public func epoch(of kid: KeyID) -> EpochMonth? {
        epochs.first { $0.kid == kid }?.epoch ?? retired.first { $0.kid == kid }?.epoch
    }

    public func isRetired(_ kid: KeyID) -> Bool { retired.contains { $0.kid == kid } }

    /// Unlocks one month's secrets as a decryption key; the kid is checked against the keys
    /// unlocked, so an entry moved or altered in the file is refused rather than misused.
    public func unlock(_ entry: Entry, passphrase: () throws -> Passphrase?) throws -> ReviewerIdentity {
        if let damage = entry.damage { throw EpochError.damaged(epoch: entry.epoch.description, why: damage) }
        let x: SecureBytes, w: SecureBytes
        switch entry.secret {
        case .unusable:
            throw EpochError.damaged(epoch: entry.epoch.description, why: "the entry is damaged")
        case .clear(let cx, let cw):
            (x, w) = (cx, cw)
        case .sealed(let protection):
            guard let passphrase = try passphrase() else { throw KeyError.passphraseRequired }
            let inner: SecureBytes
            do {
                inner = try protection.open(passphrase: passphrase, type: Self.type)
            } catch KeyError.wrongPassphrase {
                throw EpochError.damaged(epoch: entry.epoch.description, why: "wrong passphrase, or this entry of the file was altered")
            }
            let fields = try SecretKeyFile.parseSecretJSON(inner, names: Self.secretNames)
            guard let fx = fields["x25519"], let fw = fields["xwing"] else {
                throw EpochError.damaged(epoch: entry.epoch.description, why: "the sealed fields are incomplete")
            }
            (x, w) = (fx, fw)
        }
        do {
            return try ReviewerIdentity(name: name, x25519Secret: x, xwingSeed: w, kid: entry.kid)
        } catch {
            throw EpochError.damaged(epoch: entry.epoch.description, why: "\(error)")
        }
    }

    // MARK: encoding

    public func encoded() throws -> [UInt8] {
        var list: [[String: Any]] = []
        for e in epochs {
            var o: [String: Any] = ["epoch": e.epoch.description, "kid": e.kid.base64URL]
            switch e.secret {
            case .clear(let x, let w):
                // Stored in the clear by choice (--no-passphrase); as in SecretKeyFile, a
                // plaintext file gains nothing from guarded memory here.
                o["x25519"] = Base64URL.encode(x)
                o["xwing"] = Base64URL.encode(w)
            case .sealed(let p):
                o["protected"] = ["kdf": p.kdf, "ops": p.ops, "mem": p.mem, "salt": p.salt, "nonce": p.nonce, "ct": p.ct]
            case .unusable(let raw):
                guard let original = try? JSONSerialization.jsonObject(with: raw) as? [String: Any] else {
                    throw EpochError.damaged(epoch: e.epoch.description, why: "its entry cannot be written back")
                }
                o = original
            }
            list.append(o)
        }
        let object: [String: Any] = [
            "type": Self.type, "v": 1, "name": name, "epochs": list,
            "retired": retired.map { ["epoch": $0.epoch.description, "kid": $0.kid.base64URL] },
        ]
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) + [0x0A]
    }

    /// Writes the file atomically, readable by its owner only, and wipes the encoded copy.
    public func write(to path: String) throws {
        var bytes = try encoded()
        defer { Sodium.wipe(&bytes) }
        try AtomicFile.write(bytes, to: path, mode: 0o600, replaceExisting: true)
    }

    /// Parses the file. The file's own structure must be intact; a single entry whose
    /// secrets are damaged is kept, marked, so the other months still open.
    public init(bytes: [UInt8]) throws {
        let file = try EpochFileObject(bytes: bytes, type: Self.type)
        let (object, name, list) = (file.object, file.name, file.epochs)
        var entries: [Entry] = []
        for o in list {
            guard let epochText = o["epoch"] as? String, let epoch = EpochMonth(epochText) else {
                throw EpochError.malformed("an entry has no valid epoch month")
            }
            guard let kidText = o["kid"] as? String, let kid = KeyID(base64URL: kidText) else {
                throw EpochError.malformed("epoch \(epoch) has no valid kid")
            }
            entries.append(Self.entry(epoch: epoch, kid: kid, object: o))
        }
        var retired: [Retired] = []
        for o in object["retired"] as? [[String: Any]] ?? [] {
            guard let e = (o["epoch"] as? String).flatMap(EpochMonth.init), let k = (o["kid"] as? String).flatMap(KeyID.init(base64URL:)) else {
                throw EpochError.malformed("a retired entry needs epoch and kid")
            }
            retired.append(Retired(epoch: e, kid: k))
        }
        try self.init(name: name, epochs: entries, retired: retired)
    }

    private static func entry(epoch: EpochMonth, kid: KeyID, object o: [String: Any]) -> Entry {
        let raw = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        if let p = o["protected"] {
            guard let data = try? JSONSerialization.data(withJSONObject: p),
                  let protection = try? JSONDecoder().decode(PassphraseProtection.self, from: data)
            else { return Entry(epoch: epoch, kid: kid, secret: .unusable(raw: raw), damage: "its protected object is incomplete") }
            return Entry(epoch: epoch, kid: kid, secret: .sealed(protection), damage: nil)
        }
        guard let xt = o["x25519"] as? String, let wt = o["xwing"] as? String,
              let x = try? SecretKeyFile.decodeSecret(Array(xt.utf8), length: 32, name: "x25519"),
              let w = try? SecretKeyFile.decodeSecret(Array(wt.utf8), length: 32, name: "xwing")
        else { return Entry(epoch: epoch, kid: kid, secret: .unusable(raw: raw), damage: "its secrets are missing or not base64url of 32 bytes") }
        return Entry(epoch: epoch, kid: kid, secret: .clear(x25519: x, xwing: w), damage: nil)
    }

    public static func read(path: String) throws -> EpochSecretFile {
        try EpochSecretFile(bytes: InputFile.readAll(path: path, limit: maxFileSize))
    }
}
