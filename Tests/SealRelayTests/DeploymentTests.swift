import Foundation
import NIOHTTP1
import SealCore
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

@Suite("Deployment limits and scripts")
struct DeploymentTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Deploy").path

    @Test("the systemd unit caps memory and tasks and allows more descriptors than the default connections and uploads")
    func unitLimits() throws {
        let unit = String(decoding: try InputFile.readAll(path: "\(Self.deploy)/sealrelayd.service", limit: 1 << 20), as: UTF8.self)
        func value(_ key: String) -> String? {
            unit.split(separator: "\n").first { $0.hasPrefix("\(key)=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        #expect(value("MemoryMax") != nil)
        #expect(value("TasksMax").flatMap { Int($0) } != nil)
        let defaults = RelayConfig.defaults
        #expect((value("LimitNOFILE").flatMap { Int($0) } ?? 0) > defaults.maxConnections + defaults.maxUploads + FileLimit.margin)
    }

    @Test("the TLS listener sends Strict-Transport-Security")
    func strictTransportSecurity() async throws {
        let relay = try await TestRelay()
        let reply = try await relay.request(.GET, "/v1/bundle")
        #expect(reply.headers["Strict-Transport-Security"].first?.hasPrefix("max-age=") == true)
        await relay.stop()
    }

    @Test("the relay refuses to start when the open-file limit is not above max_connections")
    func refusesLowFileLimit() async throws {
        await #expect(throws: ConfigError.self) {
            _ = try await TestRelay { $0.maxConnections = Int(Int32.max) }
        }
    }

    @Test("only 127.0.0.0/8 and ::1 are loopback, not a host name that starts with 127.",
          arguments: [("127.0.0.1", true), ("127.255.0.9", true), ("::1", true), ("127.example.org", false),
                      ("127.0.0.1.nip.io", false), ("localhost", false), ("128.0.0.1", false), ("0:0:0:0:0:0:0:2", false)])
    func loopback(host: String, expected: Bool) {
        #expect(HostPort(host: host, port: 1).isLoopback == expected)
    }

    @Test("a reviewer name that could leave the credentials folder is refused", arguments: ["../x", "a/b", ".hidden", "", "a\nb"])
    func reviewerNames(name: String) {
        #expect(throws: ConfigError.self) { try ReviewerName.check(name) }
    }

    @Test("the certbot hook refuses a tls/ that is a symlink and writes nothing through it",
          .enabled(if: getuid() == 0, "install -o needs root"))
    func certbotRefusesSymlink() async throws {
        let root = NSTemporaryDirectory() + "certbot-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = "\(root)/state", elsewhere = "\(root)/elsewhere", lineage = "\(root)/live/relay.example.org"
        for dir in [state, elsewhere, lineage] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try Data("hostname = \"relay.example.org\"\n".utf8).write(to: URL(fileURLWithPath: "\(state)/relay.conf"))
        try Data("CERT".utf8).write(to: URL(fileURLWithPath: "\(lineage)/fullchain.pem"))
        try Data("KEY".utf8).write(to: URL(fileURLWithPath: "\(lineage)/privkey.pem"))
        try FileManager.default.createSymbolicLink(atPath: "\(state)/tls", withDestinationPath: elsewhere)
        let environment = ["SEALRELAY_STATE=\(state)", "SEALRELAY_USER=root", "RENEWED_LINEAGE=\(lineage)"]
        let (status, output) = try await MetadataPolicyTests.run("sh", ["-c", "env \(environment.joined(separator: " ")) sh \(Self.deploy)/certbot-deploy-hook.sh"])
        #expect(status != 0)
        #expect(output.contains("symlink"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }

    @Test("the certbot hook installs the renewed files under tls/", .enabled(if: getuid() == 0, "install -o needs root"))
    func certbotInstalls() async throws {
        let root = NSTemporaryDirectory() + "certbot-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = "\(root)/state", lineage = "\(root)/live/relay.example.org"
        for dir in [state, lineage] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try Data("hostname = \"relay.example.org\"\n".utf8).write(to: URL(fileURLWithPath: "\(state)/relay.conf"))
        try Data("CERT".utf8).write(to: URL(fileURLWithPath: "\(lineage)/fullchain.pem"))
        try Data("KEY".utf8).write(to: URL(fileURLWithPath: "\(lineage)/privkey.pem"))
        let environment = ["SEALRELAY_STATE=\(state)", "SEALRELAY_USER=root", "RENEWED_LINEAGE=\(lineage)"]
        let (status, _) = try await MetadataPolicyTests.run("sh", ["-c", "env \(environment.joined(separator: " ")) sh \(Self.deploy)/certbot-deploy-hook.sh"])
        #expect(status == 0)
        #expect(try InputFile.readAll(path: "\(state)/tls/key.pem", limit: 100) == Array("KEY".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == ["live", "state"])
    }
}
