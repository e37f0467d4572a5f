import Foundation

/// The first thing inside a report's plaintext: what the report holds and how to answer
/// its source (docs/FORMAT.md §3-4). Nothing here identifies a device, a person or a time.
public struct Manifest: Codable, Equatable, Sendable {
    /// `share`: a report one organisation re-sealed to another (`custody` says from where).
    public enum Kind: String, Codable, Sendable { case report, reply, share }

    public struct File: Codable, Equatable, Sendable {
        public var name: String
        public var type: String
        public var size: Int
        /// Lowercase hex, so a reviewer can compare it with `sha256sum`.
        public var sha256: String
    }

    public struct Scrubbed: Codable, Equatable, Sendable {
        public var name: String
        public var removed: [String]
    }

    public struct Reply: Codable, Equatable, Sendable {
        /// The source's X25519 reply public key, base64url.
        public var key: String
        /// The mailbox id replies are uploaded to.
        public var mailbox: String

        public init(key: String, mailbox: String) {
            self.key = key
            self.mailbox = mailbox
        }
    }

    public var v: Int = 1
    public var kind: Kind
    public var message: String
    public var files: [File]
    public var scrubbed: [Scrubbed]
    /// Names of files the source chose to send without metadata cleaning.
    public var unscrubbed: [String]?
    public var reply: Reply?
    public var thread: String?
    public var client: String
    /// Optional structured testimony (`ReportFields`); absent in reports that have none.
    public var fields: [String: String]?
    /// Shares only: the original report's custody (`ShareCustody`).
    public var custody: ShareCustody?

    public static let cliClient = "seal-cli/1"
    public static let webClient = "web/1"
    /// The message travels inside the manifest; a bound keeps a hostile report from making
    /// the reader allocate without limit before any check.
    public static let maxEncodedSize = 16 << 20
    /// A report lists at most this many files (docs/FORMAT.md §4): enough for any real
    /// testimony, few enough that opening one cannot exhaust a reviewer's machine.
    public static let maxFiles = 10_000
    /// 256 TiB: far beyond any report, far below where length arithmetic could overflow.
    static let maxTotalFileSize = 1 << 48

    public func encoded() throws -> [UInt8] { Array(try JSON.encoder.encode(self)) }

    /// Strict checks a reader applies before trusting any field.
    static func decode(_ bytes: [UInt8]) throws -> Manifest {
        guard let m = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else {
            throw ReportError.malformedManifest("not a valid manifest")
        }
        guard m.v == 1 else { throw ReportError.malformedManifest("unsupported manifest version \(m.v)") }
        guard m.client == cliClient || m.client == webClient else {
            throw ReportError.malformedManifest("unknown client string")
        }
        guard m.files.count <= maxFiles, m.scrubbed.count <= maxFiles, (m.unscrubbed?.count ?? 0) <= maxFiles else {
            throw ReportError.tooManyFiles(max(m.files.count, m.scrubbed.count, m.unscrubbed?.count ?? 0))
        }
        var total = 0
        for f in m.files {
            // Bounded so that no sum or padding computation on them can overflow.
            guard f.size >= 0, f.size <= maxTotalFileSize - total else {
                throw ReportError.malformedManifest("file sizes are out of bounds")
            }
            total += f.size
            guard f.sha256.utf8.count == 64, Hex.decode(f.sha256) != nil else {
                throw ReportError.malformedManifest("sha256 must be 64 hex characters")
            }
        }
        if let reply = m.reply {
            guard Base64URL.decode(reply.key, count: 32) != nil, Base64URL.decode(reply.mailbox, count: 16) != nil else {
                throw ReportError.malformedManifest("reply key or mailbox is malformed")
            }
        }
        if m.kind == .share {
            guard let custody = m.custody, custody.isAcceptable else {
                throw ReportError.malformedManifest("a shared report needs a well-formed custody record")
            }
        }
        if let fields = m.fields, !ReportFields.isAcceptable(fields) {
            throw ReportError.malformedManifest("fields are too many or too long")
        }
        if let thread = m.thread, Base64URL.decode(thread, count: 16) == nil {
            throw ReportError.malformedManifest("thread must be 16 bytes")
        }
        return m
    }
}
