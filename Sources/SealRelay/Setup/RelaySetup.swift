import Foundation
import SealCore

/// `sealrelayd init`: lays out a state directory: config, bundle, credentials, relay key,
/// and a self-signed TLS pair unless the operator brings their own.
public enum RelaySetup {
    public struct Options: Sendable {
        public var directory: String
        public var bundlePath: String
        public var credentialPaths: [String]
        public var listen: HostPort
        public var hostname: String
        public var certificatePath: String?
        public var keyPath: String?
        public var onionListen: HostPort?
        public var adminListen: HostPort
        /// `--role edge --upstream URL [--upstream-ca PEM]` (docs/ARCHITECTURE.md "Relay network").
        public var role: RelayRole
        public var upstream: UpstreamEndpoint?
        public var upstreamCAPath: String?
        /// `--storage URL --storage-password-file F` (docs/ARCHITECTURE.md "Storage"); the file spool when nil.
        public var storage: StorageLocation
        public var storagePasswordFile: String?

        public init(directory: String, bundlePath: String, credentialPaths: [String], listen: HostPort, hostname: String,
                    certificatePath: String? = nil, keyPath: String? = nil, onionListen: HostPort? = nil,
                    adminListen: HostPort = RelayConfig.defaults.adminListen, role: RelayRole = .home,
                    upstream: UpstreamEndpoint? = nil, upstreamCAPath: String? = nil,
                    storage: StorageLocation = .file, storagePasswordFile: String? = nil) {
            self.storage = storage
            self.storagePasswordFile = storagePasswordFile
            self.role = role
            self.upstream = upstream
            self.upstreamCAPath = upstreamCAPath
            self.directory = directory
            self.bundlePath = bundlePath
            self.credentialPaths = credentialPaths
            self.listen = listen
            self.hostname = hostname
            self.certificatePath = certificatePath
            self.keyPath = keyPath
            self.onionListen = onionListen
            self.adminListen = adminListen
        }
    }

    /// Returns the path of the config file written.
    @discardableResult
    public static func initialise(_ o: Options) throws -> String {
        let dir = URL(fileURLWithPath: o.directory).standardizedFileURL.path
        let configPath = "\(dir)/relay.conf"
        guard !FileManager.default.fileExists(atPath: configPath) else {
            throw ConfigError("\(configPath) already exists; refusing to overwrite a relay")
        }
        guard (o.certificatePath == nil) == (o.keyPath == nil) else {
            throw ConfigError("give both --tls-certificate and --tls-key, or neither")
        }
        try FileSystem.makePrivateDirectory(dir)
        let bundleBytes = try InputFile.readAll(path: o.bundlePath, limit: 1 << 20)
        let bundle = try RecipientBundle.verifySelfSigned(bundleBytes)
        try AtomicFile.write(bundleBytes, to: "\(dir)/bundle.json")

        var config = RelayConfig.defaults
        config.directory = dir
        config.listen = o.listen
        config.hostname = o.hostname
        config.onionListen = o.onionListen
        config.adminListen = o.adminListen
        config.organisationFingerprint = bundle.organisation.fingerprint.hex
        try FileSystem.makePrivateDirectory("\(dir)/credentials")
        for path in o.credentialPaths {
            let key = try VerifyingKey.read(path: path, organisation: false)
            guard let name = key.name, bundle.reviewers.contains(where: { $0.name == name }) else {
                throw ConfigError("\(path) names no reviewer of the bundle")
            }
            let target = "credentials/\(try ReviewerName.check(name)).fetch.pub"
            try AtomicFile.write(InputFile.readAll(path: path, limit: 1 << 16), to: "\(dir)/\(target)")
            config.credentials.append(target)
        }

        try configureNetwork(&config, o)
        config.storage = o.storage
        // Absolute: the password file is the operator's, usually outside the state directory.
        config.storagePasswordFile = o.storagePasswordFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let relayKey = try SigningKey.generate(.relay)
        try AtomicFile.write(relayKey.encoded(passphrase: nil), to: "\(dir)/relay.seckey", mode: 0o600)
        try AtomicFile.write(relayKey.encodedPublic(), to: "\(dir)/relay.pub")

        if let cert = o.certificatePath, let key = o.keyPath {
            config.tlsCertificate = URL(fileURLWithPath: cert).standardizedFileURL.path
            config.tlsKey = URL(fileURLWithPath: key).standardizedFileURL.path
        } else {
            try FileSystem.makePrivateDirectory("\(dir)/tls")
            let pair = try SelfSignedCertificate.make(hostname: o.hostname)
            try AtomicFile.write(Array(pair.certificatePEM.utf8), to: "\(dir)/tls/cert.pem")
            try AtomicFile.write(Array(pair.keyPEM.utf8), to: "\(dir)/tls/key.pem", mode: 0o600)
        }
        try config.validate()
        try AtomicFile.write(Array(config.rendered().utf8), to: configPath, mode: 0o600)
        return configPath
    }
}

extension RelaySetup {
    /// An edge's upstream, with its CA copied into the state directory so the directory
    /// stays whole when moved.
    static func configureNetwork(_ config: inout RelayConfig, _ o: Options) throws {
        config.role = o.role
        guard o.role == .edge else {
            guard o.upstream == nil, o.upstreamCAPath == nil else {
                throw ConfigError("--upstream and --upstream-ca are for --role edge")
            }
            return
        }
        guard let upstream = o.upstream else { throw ConfigError("--role edge needs --upstream https://HOME-RELAY") }
        config.upstream = upstream
        if let ca = o.upstreamCAPath {
            let pem = try InputFile.readAll(path: ca, limit: 1 << 20)
            guard String(decoding: pem, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
                throw ConfigError("--upstream-ca \(ca) holds no PEM certificate")
            }
            try AtomicFile.write(pem, to: "\(config.directory)/upstream-ca.pem")
            config.upstreamCA = "upstream-ca.pem"
        }
    }
}
