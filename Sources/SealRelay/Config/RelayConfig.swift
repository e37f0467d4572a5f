import Foundation
import SealAPI
import SealCore

/// Everything `sealrelayd run` needs, read from `relay.conf`. Paths are relative to the
/// directory holding the config file, so a state directory can be moved as a whole.
public struct RelayConfig: Sendable {
    public var directory: String
    public var listen: HostPort
    /// Plain HTTP for a Tor onion service; must be a loopback address.
    public var onionListen: HostPort?
    /// /healthz and /metrics; must be a loopback address.
    public var adminListen: HostPort
    public var hostname: String
    public var tlsCertificate: String
    public var tlsKey: String
    public var bundle: String
    /// Hex SHA-256 of the organisation's signing key, as the operator states it. The
    /// submission page shows it (so a source can compare it with the one the organisation
    /// publishes elsewhere) and pins the bundle to it; the relay refuses to start if the
    /// bundle it serves is signed by another key. Nil in configs older than the page: the
    /// bundle's own key is used then, which is what `sealrelayd init` writes anyway.
    public var organisationFingerprint: String?
    public var credentials: [String]
    public var spool: String
    /// The spool directory (`file`, the default) or a PostgreSQL database (docs/ARCHITECTURE.md "Storage").
    public var storage: StorageLocation = .file
    /// The database password, one line; only with `storage = postgresql://…`.
    public var storagePasswordFile: String?
    public var maxEnvelopeBytes: Int
    public var maxSpoolBytes: Int
    public var maxEnvelopes: Int
    /// Chunked uploads (the submission page's way in) open at once; each holds a spool
    /// reservation and a file descriptor until it completes or expires.
    public var maxUploads: Int
    /// A chunked upload that receives nothing for this long is deleted.
    public var uploadIdleTimeoutSeconds: Int
    /// A chunked upload that gains fewer bytes than this in a full minute after its first is
    /// deleted: holding a slot costs a trickle of real bytes, not just an early token.
    public var uploadMinBytesPerMinute: Int
    /// Proof of work asked of anonymous writers (docs/API.md "Proof of work"): the floor and
    /// ceiling of its difficulty in bits, the write rate (a minute) above which it rises,
    /// and how long a challenge stays good.
    public var powBits: Int
    public var powMaxBits: Int
    public var powCalmRate: Int
    public var powLifetimeSeconds: Int
    public var expiryDays: Int
    public var expiryJitterDays: Int
    public var signatureWindowSeconds: Int
    public var maxConnections: Int
    public var idleTimeoutSeconds: Int
    /// Time a connection gets to deliver its first request head (TLS handshake included).
    public var requestHeadTimeoutSeconds: Int
    public var logLevel: String
    /// The relay network (docs/ARCHITECTURE.md "Relay network"): this relay's role; at an
    /// edge, where it forwards to, the CA that upstream's certificate must chain to (nil:
    /// the system's roots), the SOCKS proxy to reach it through, and the forwarding period.
    public var role: RelayRole = .home
    public var upstream: UpstreamEndpoint?
    public var upstreamCA: String?
    public var upstreamProxy: SOCKSProxy?
    public var forwardIntervalSeconds = 300
    /// At a relay that takes forwarded envelopes: the `relay.pub` of each allowed edge.
    public var edges: [String] = []
    /// Cover traffic (docs/ARCHITECTURE.md "Decoys"): the page sends one decoy a visit, which
    /// this relay answers like a report and keeps nothing of.
    public var decoys = false

    public static let defaults = RelayConfig(
        directory: ".", listen: HostPort(host: "0.0.0.0", port: 8443), onionListen: nil,
        adminListen: HostPort(host: "127.0.0.1", port: 9443), hostname: "localhost",
        tlsCertificate: "tls/cert.pem", tlsKey: "tls/key.pem", bundle: "bundle.json", organisationFingerprint: nil, credentials: [],
        spool: "spool", maxEnvelopeBytes: 2 << 30, maxSpoolBytes: 20 << 30, maxEnvelopes: 100_000,
        maxUploads: 64, uploadIdleTimeoutSeconds: 3600, uploadMinBytesPerMinute: 65536,
        powBits: 10, powMaxBits: 20, powCalmRate: 30, powLifetimeSeconds: 600,
        expiryDays: 30, expiryJitterDays: 7, signatureWindowSeconds: 120, maxConnections: 1024,
        idleTimeoutSeconds: 60, requestHeadTimeoutSeconds: 20, logLevel: "notice")

    public func path(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : "\(directory)/\(relative)"
    }

    /// Refuses settings that would break the metadata policy or make no sense.
    public func validate() throws {
        if let onion = onionListen, !onion.isLoopback {
            throw ConfigError("onion_listen must be a loopback address (127.0.0.0/8 or ::1): it serves plain HTTP")
        }
        guard adminListen.isLoopback else { throw ConfigError("admin_listen must be a loopback address") }
        guard maxEnvelopeBytes > 0, maxSpoolBytes >= maxEnvelopeBytes, maxEnvelopes > 0 else {
            throw ConfigError("quotas must be positive and max_spool_bytes at least max_envelope_bytes")
        }
        guard maxUploads > 0, uploadIdleTimeoutSeconds > 0, uploadMinBytesPerMinute > 0 else {
            throw ConfigError("max_uploads, upload_idle_timeout_seconds and upload_min_bytes_per_minute must be positive")
        }
        guard (1...30).contains(powBits), (powBits...30).contains(powMaxBits) else {
            throw ConfigError("pow_bits must be between 1 and 30, and pow_max_bits between pow_bits and 30")
        }
        guard powCalmRate > 0, (60...3600).contains(powLifetimeSeconds) else {
            throw ConfigError("pow_calm_rate must be positive and pow_lifetime_seconds between 60 and 3600")
        }
        guard expiryDays > 0, expiryJitterDays >= 0 else { throw ConfigError("expiry_days must be positive") }
        guard signatureWindowSeconds > 0, signatureWindowSeconds <= 3600 else {
            throw ConfigError("signature_window_seconds must be between 1 and 3600")
        }
        // At debug and trace, Hummingbird logs every connection; with the journal's
        // timestamps that is a record of when clients came.
        guard ["notice", "info", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigError("log_level must be notice, info, warning, error or critical: lower levels log connection times")
        }
        if let fp = organisationFingerprint, Fingerprint(hex: fp) == nil {
            throw ConfigError("organisation_fingerprint must be 64 hex characters (the output of `seal fingerprint org.pub`)")
        }
        guard maxConnections > 0, idleTimeoutSeconds > 0, requestHeadTimeoutSeconds > 0 else { throw ConfigError("connection limits must be positive") }
        try validateNetwork()
        try validateStorage()
    }

    /// A database needs its password file; an edge forwards from its own spool directory.
    func validateStorage() throws {
        switch storage {
        case .file:
            guard storagePasswordFile == nil else { throw ConfigError("storage_password_file is only for storage = postgresql://…") }
        case .postgresql:
            guard storagePasswordFile != nil else { throw ConfigError("storage = postgresql://… needs storage_password_file") }
            guard role == .home else { throw ConfigError("an edge relay keeps its queue in its spool directory: storage = postgresql://… is for a home relay") }
        }
    }

    /// The relay-network keys: an edge needs an upstream; a home must not have one.
    func validateNetwork() throws {
        guard (1...86_400).contains(forwardIntervalSeconds) else {
            throw ConfigError("forward_interval must be between 1 and 86400 seconds")
        }
        switch role {
        case .edge:
            guard let upstream else { throw ConfigError("role = edge needs upstream = https://HOME-RELAY") }
            if upstream.scheme == "http", upstreamProxy == nil {
                throw ConfigError("upstream \(upstream) is an onion address: set upstream_proxy = socks5h://127.0.0.1:9050")
            }
            if upstream.scheme == "http", upstreamCA != nil {
                throw ConfigError("upstream_ca applies to an https upstream only")
            }
        case .home:
            guard upstream == nil, upstreamCA == nil, upstreamProxy == nil else {
                throw ConfigError("upstream, upstream_ca and upstream_proxy are for role = edge")
            }
        }
    }
}

public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// "HOST:PORT" or "[V6]:PORT". The host is a name or IPv4 address (letters, digits, `-`,
    /// `.`) or, in brackets, an IPv6 address (hex digits, `:`, `.`): nothing else, so that
    /// `description` writes back exactly what was read and `relay.conf` survives being
    /// rewritten by `sealrelayd` (a fuzzer found `listen = 1.2:3.]:80` did not).
    public init?(_ text: String) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), host.contains(":"), host.allSatisfy(Self.isIPv6Character) else { return nil }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            guard host.allSatisfy(Self.isNameCharacter) else { return nil }
        }
        guard !host.isEmpty, !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(port), (0...65535).contains(p) else { return nil }
        self.host = String(host)
        self.port = p
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == ".")
    }

    private static func isIPv6Character(_ c: Character) -> Bool { c.isASCII && (c.isHexDigit || c == ":" || c == ".") }

    /// 127.0.0.0/8 or ::1, as address literals (`LoopbackHost`).
    public var isLoopback: Bool { LoopbackHost.contains(host) }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
