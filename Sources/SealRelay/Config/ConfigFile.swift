import Foundation
import SealCore

/// The `relay.conf` format: `key = value` lines, `#` comments, values optionally quoted,
/// keys that may repeat (credential). Small on purpose: an operator reads it over SSH.
/// Lines end in LF or CRLF; no other control character, so no value can break a line when
/// the file is written back.
extension RelayConfig {
    public static func load(path: String) throws -> RelayConfig {
        let bytes = try InputFile.readAll(path: path, limit: 1 << 20)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ConfigError("\(path) is not UTF-8 text") }
        var config = RelayConfig.defaults
        config.directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        for (number, rawLine) in lines(of: text).enumerated() {
            guard !rawLine.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) else {
                throw ConfigError("\(path):\(number + 1): a control character; relay.conf is lines of text")
            }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { throw ConfigError("\(path):\(number + 1): expected key = value") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            func int() throws -> Int {
                guard let n = Int(value.replacingOccurrences(of: "_", with: "")) else {
                    throw ConfigError("\(path):\(number + 1): \(key) must be a whole number")
                }
                return n
            }
            func hostPort() throws -> HostPort {
                guard let hp = HostPort(value) else { throw ConfigError("\(path):\(number + 1): \(key) must be HOST:PORT") }
                return hp
            }
            switch key {
            case "listen": config.listen = try hostPort()
            case "onion_listen": config.onionListen = value.isEmpty ? nil : try hostPort()
            case "admin_listen": config.adminListen = try hostPort()
            case "hostname": config.hostname = value
            case "tls_certificate": config.tlsCertificate = value
            case "tls_key": config.tlsKey = value
            case "bundle": config.bundle = value
            case "organisation_fingerprint": config.organisationFingerprint = value.isEmpty ? nil : value
            case "credential": config.credentials.append(value)
            case "spool": config.spool = value
            case "storage": config.storage = try StorageLocation(parsing: value)
            case "storage_password_file": config.storagePasswordFile = value.isEmpty ? nil : value
            case "max_envelope_bytes": config.maxEnvelopeBytes = try int()
            case "max_spool_bytes": config.maxSpoolBytes = try int()
            case "max_envelopes": config.maxEnvelopes = try int()
            case "max_uploads": config.maxUploads = try int()
            case "upload_idle_timeout_seconds": config.uploadIdleTimeoutSeconds = try int()
            case "upload_min_bytes_per_minute": config.uploadMinBytesPerMinute = try int()
            case "pow_bits": config.powBits = try int()
            case "pow_max_bits": config.powMaxBits = try int()
            case "pow_calm_rate": config.powCalmRate = try int()
            case "pow_lifetime_seconds": config.powLifetimeSeconds = try int()
            case "expiry_days": config.expiryDays = try int()
            case "expiry_jitter_days": config.expiryJitterDays = try int()
            case "signature_window_seconds": config.signatureWindowSeconds = try int()
            case "max_connections": config.maxConnections = try int()
            case "idle_timeout_seconds": config.idleTimeoutSeconds = try int()
            case "request_head_timeout_seconds": config.requestHeadTimeoutSeconds = try int()
            case "log_level": config.logLevel = value
            case "role":
                guard let role = RelayRole(rawValue: value) else {
                    throw ConfigError("\(path):\(number + 1): role must be home or edge")
                }
                config.role = role
            case "upstream": config.upstream = value.isEmpty ? nil : try UpstreamEndpoint(parsing: value)
            case "upstream_ca": config.upstreamCA = value.isEmpty ? nil : value
            case "upstream_proxy": config.upstreamProxy = value.isEmpty ? nil : try SOCKSProxy(parsing: value)
            case "forward_interval": config.forwardIntervalSeconds = try int()
            case "edge": config.edges.append(value)
            case "decoys":
                guard value == "on" || value == "off" else { throw ConfigError("\(path):\(number + 1): decoys must be on or off") }
                config.decoys = value == "on"
            default: throw ConfigError("\(path):\(number + 1): unknown setting \(key)")
            }
        }
        try config.validate()
        return config
    }

    /// The file's lines, split at each line feed and without the carriage return a Windows
    /// editor puts before it. Split by Unicode scalar, not by character: Swift reads "\r\n" as
    /// one character, which splitting at "\n" would never find.
    private static func lines(of text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { scalars in
            var line = String(Substring(scalars))
            if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
            return line
        }
    }

    /// The commented file `sealrelayd init` writes.
    public func rendered() -> String {
        var lines = [
            "# SealRelay relay configuration. Paths are relative to this file's directory.",
            "",
            "# Public HTTPS listener (TLS 1.3 only, no session resumption).",
            "listen = \(listen)",
            "# Optional plain-HTTP listener for a Tor onion service; loopback only.",
            onionListen.map { "onion_listen = \($0)" } ?? "# onion_listen = 127.0.0.1:8080",
            "# /healthz and /metrics (counts only); loopback only.",
            "admin_listen = \(adminListen)",
            "hostname = \(Self.written(hostname))",
            "",
            "# TLS certificate and key (PEM). Point these at e.g. Let's Encrypt files to replace",
            "# the self-signed pair init made.",
            "tls_certificate = \(Self.written(tlsCertificate))",
            "tls_key = \(Self.written(tlsKey))",
            "",
            "# The organisation-signed recipient bundle served at /v1/bundle.",
            "bundle = \(Self.written(bundle))",
            "# The organisation's fingerprint (hex SHA-256 of its signing key), as published by the",
            "# organisation. The submission page shows it and encrypts only to a bundle it signed;",
            "# the relay refuses to start if bundle.json is signed by a different key.",
            organisationFingerprint.map { "organisation_fingerprint = \(Self.written($0))" } ?? "# organisation_fingerprint = HEX",
            "# Reviewer fetch credentials (NAME.fetch.pub), one line each. NAME must match the",
            "# reviewer's name in the bundle.",
        ]
        lines += credentials.map { "credential = \(Self.written($0))" }
        lines += [
            "",
            "# Spool: ciphertext only. When a quota is reached the relay answers 507 and keeps",
            "# everything it already accepted.",
            "spool = \(Self.written(spool))",
            "# Where accepted envelopes live: file (the spool directory above) or",
            "# postgresql://USER@HOST:PORT/DB with its password in storage_password_file, for",
            "# several relay nodes on one database (Deploy/postgresql.md). The spool directory",
            "# still holds uploads while they stream in.",
            "storage = \(Self.written(storage.description))",
            storagePasswordFile.map { "storage_password_file = \(Self.written($0))" } ?? "# storage_password_file = db.password",
            "max_envelope_bytes = \(maxEnvelopeBytes)",
            "max_spool_bytes = \(maxSpoolBytes)",
            "max_envelopes = \(maxEnvelopes)",
            "# The submission page uploads in slices (chunked uploads). At most max_uploads are",
            "# open at once (more get 503); one that receives nothing for",
            "# upload_idle_timeout_seconds, or gains fewer than upload_min_bytes_per_minute in a",
            "# full minute after its first, is deleted. Each counts against the quotas above.",
            "max_uploads = \(maxUploads)",
            "upload_idle_timeout_seconds = \(uploadIdleTimeoutSeconds)",
            "upload_min_bytes_per_minute = \(uploadMinBytesPerMinute)",
            "# Proof of work asked for each report and each chunked upload (docs/API.md): never",
            "# fewer than pow_bits (each bit doubles a sender's work; 10 is a second or two on a",
            "# cheap phone), one more for each doubling of the writes a minute above pow_calm_rate",
            "# and as the spool fills past 80%, never more than pow_max_bits.",
            "pow_bits = \(powBits)",
            "pow_max_bits = \(powMaxBits)",
            "pow_calm_rate = \(powCalmRate)",
            "pow_lifetime_seconds = \(powLifetimeSeconds)",
            "# An envelope not acknowledged by all its reviewers is deleted after expiry_days plus",
            "# a random 0..expiry_jitter_days, so its deletion day does not reveal its arrival day.",
            "expiry_days = \(expiryDays)",
            "expiry_jitter_days = \(expiryJitterDays)",
            "",
            "# Reviewer request signatures older or newer than this are refused (replay window).",
            "signature_window_seconds = \(signatureWindowSeconds)",
            "max_connections = \(maxConnections)",
            "# A connection that goes quiet this long is closed (also mid-upload).",
            "idle_timeout_seconds = \(idleTimeoutSeconds)",
            "# A connection must deliver its first request head this soon after connecting, so",
            "# clients dribbling a byte a second cannot hold connection slots.",
            "request_head_timeout_seconds = \(requestHeadTimeoutSeconds)",
            "# notice, info, warning, error or critical. Logs hold no addresses, headers or request",
            "# times; debug and trace are refused because they would log connection times.",
            "log_level = \(Self.written(logLevel))",
            "",
        ]
        lines += renderedNetwork()
        lines += [
            "# Cover traffic: on, every visit of the page sends one decoy shaped like a short",
            "# report, which this relay answers like one and discards (SECURITY.md).",
            "decoys = \(decoys ? "on" : "off")",
            "",
        ]
        return lines.joined(separator: "\n")
    }
}

extension RelayConfig {
    /// The relay-network section of the file `sealrelayd init` writes.
    func renderedNetwork() -> [String] {
        var lines = [
            "# Relay network (docs/ARCHITECTURE.md). role = home: reviewers pull from this relay.",
            "# role = edge: accept envelopes as the home does and forward only their ciphertext to",
            "# upstream every forward_interval seconds (plus or minus half of it, at random).",
            "role = \(role.rawValue)",
        ]
        switch role {
        case .edge:
            lines += [
                upstream.map { "upstream = \($0)" } ?? "# upstream = https://home.example.org",
                "# The CA (PEM) the upstream's certificate must chain to; without it, the system's roots.",
                upstreamCA.map { "upstream_ca = \(Self.written($0))" } ?? "# upstream_ca = upstream-ca.pem",
                "# Reach the upstream through Tor (an onion upstream needs it).",
                upstreamProxy.map { "upstream_proxy = \($0)" } ?? "# upstream_proxy = socks5h://127.0.0.1:9050",
            ]
        case .home:
            lines += ["# Edge relays allowed to forward here: one `edge = PATH/relay.pub` line each",
                      "# (`sealrelayd edge allow --config relay.conf EDGE.relay.pub` adds one)."]
        }
        lines.append("forward_interval = \(forwardIntervalSeconds)")
        lines += edges.map { "edge = \(Self.written($0))" }
        lines.append("")
        return lines
    }
}

extension RelayConfig {
    /// A value as `load` will read it back: in quotes when trimming the line or taking off
    /// one pair of quotes would change it, so a rewritten `relay.conf` means what it meant.
    static func written(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let looksQuoted = value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"")
        return trimmed != value || looksQuoted ? "\"\(value)\"" : value
    }
}
