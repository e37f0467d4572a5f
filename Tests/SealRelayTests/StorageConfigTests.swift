import Foundation
import SealCore
import SealTestSupport
import Testing
@testable import SealRelay

/// `storage` and `storage_password_file` in relay.conf (docs/ARCHITECTURE.md "Storage").
@Suite("storage settings in relay.conf")
struct StorageConfigTests {
    @Test("a relay.conf without storage keeps the file spool")
    func fileIsTheDefault() throws {
        #expect(try RelayConfig.load(text: "").storage == .file)
    }

    @Test("a PostgreSQL URL with its password file is read and written back unchanged",
          arguments: ["postgresql://relay@db.example.org:5433/seal", "postgresql://relay@127.0.0.1:5432/seal",
                      "postgresql://relay@:5432/seal?host=/run/postgresql"])
    func postgresRoundTrips(url: String) throws {
        let config = try RelayConfig.load(text: "storage = \(url)\nstorage_password_file = /etc/sealrelay/db.password")
        #expect(config.storage.description == url)
        #expect(config.storagePasswordFile == "/etc/sealrelay/db.password")
        let again = try RelayConfig.load(text: config.rendered())
        #expect(again.storage == config.storage && again.storagePasswordFile == config.storagePasswordFile)
    }

    @Test("a storage URL with a password, without a user or database, or of another kind is refused",
          arguments: ["postgresql://relay:secret@db:5432/seal", "postgresql://db:5432/seal", "postgresql://relay@db:5432/",
                      "mysql://relay@db/seal", "postgresql://relay@db/seal?sslmode=disable", "postgresql://relay@/seal?host=relative"])
    func badURLsAreRefused(url: String) {
        #expect(throws: ConfigError.self) { try RelayConfig.load(text: "storage = \(url)\nstorage_password_file = p") }
    }

    @Test("a database without a password file, or a password file without a database, is refused")
    func passwordFileGoesWithTheDatabase() {
        #expect(throws: ConfigError.self) { try RelayConfig.load(text: "storage = postgresql://relay@db:5432/seal") }
        #expect(throws: ConfigError.self) { try RelayConfig.load(text: "storage_password_file = p") }
    }

    @Test("init --storage --storage-password-file writes both keys, the password file's path made absolute")
    func initWritesBothKeys() throws {
        let dir = TemporaryDirectory()
        let org = try SigningKey.generate(.organisation)
        let reviewer = try ReviewerIdentity.generate(name: "alice")
        let bundle = try RecipientBundle.sign(organisation: org, reviewers: [reviewer.publicKey], relays: ["https://127.0.0.1"],
                                              counter: 1, validDays: 10)
        let bundlePath = try dir.write(bundle, to: "bundle.json")
        let url = "postgresql://relay@db.example.org:5432/seal"
        let path = try RelaySetup.initialise(.init(
            directory: dir.file("state"), bundlePath: bundlePath, credentialPaths: [], listen: HostPort(host: "127.0.0.1", port: 0),
            hostname: "127.0.0.1", storage: try StorageLocation(parsing: url), storagePasswordFile: dir.file("db.password")))
        let config = try RelayConfig.load(path: path)
        #expect(config.storage.description == url)
        #expect(config.storagePasswordFile == dir.file("db.password"))
    }
}
