import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SealAPI
import SealCore
import Testing
@testable import SealRelay

/// A flood of cheap requests must not stop a genuine submission (docs/API.md "Proof of
/// work", "Chunked uploads"): the real daemon, the real `seal`, and an attacker who holds
/// every upload slot it can buy at the floor difficulty.
@Suite("Floods")
struct FloodTests {
    @Test("with every upload slot held and 300 unpaid requests in flight, seal submit and a paid chunked upload both get through")
    func genuineSubmissionsSurviveAFlood() async throws {
        let relay = try await TestRelay()
        let config = try await relay.handOverToDaemon()
        let daemon = try RelayDaemon(configPath: config)
        relay.tlsPort = try await daemon.port()
        let envelope = try relay.envelope(message: String(repeating: "held ", count: 2000))

        // The attacker takes every slot, each paid for, each fed a slice to look alive.
        var held: [String] = []
        for _ in 0..<RelayConfig.defaults.maxUploads {
            let created = try await relay.request(.POST, "/v1/uploads")
            #expect(created.status == .created)
            let id = try #require(created.json["upload"] as? String)
            _ = try await relay.request(.PUT, "/v1/uploads/\(id)", body: Array(envelope.prefix(1000)), headers: [("Upload-Offset", "0")])
            held.append(id)
        }
        // A newcomer may displace a slot only once it is past its first seconds.
        try await Task.sleep(for: .seconds(11))

        let flood = try Self.client(trusting: "\(relay.stateDirectory)/tls/cert.pem")
        let refused = try await withThrowingTaskGroup(of: HTTPResponseStatus?.self) { group in
            for _ in 0..<300 {
                group.addTask {
                    var request = HTTPClientRequest(url: relay.base + "/v1/reports")
                    request.method = .POST
                    request.body = .bytes(ByteBuffer(bytes: envelope))
                    return try? await flood.execute(request, timeout: .seconds(60)).status
                }
            }
            group.addTask {
                let (status, output) = try await EndToEndTests.seal([
                    "submit", "--relay", relay.base, "--org-fingerprint", relay.org.fingerprint.hex,
                    "--ca", "\(relay.stateDirectory)/tls/cert.pem", "--message", "through the flood",
                    "--codename-file", "\(relay.dir)/codename.txt"])
                #expect(status == 0, Comment(rawValue: output))
                return nil
            }
            group.addTask {
                let created = try await relay.request(.POST, "/v1/uploads")
                #expect(created.status == .created, "a paying newcomer takes the slowest slot")
                let id = try #require(created.json["upload"] as? String)
                let slice = try await relay.request(.PUT, "/v1/uploads/\(id)", body: envelope, headers: [("Upload-Offset", "0")])
                #expect(slice.status == .ok)
                #expect(try await relay.request(.POST, "/v1/uploads/\(id)/complete").status == .accepted)
                return nil
            }
            var refused = 0
            for try await status in group where status == .forbidden { refused += 1 }
            return refused
        }
        try await flood.shutdown()
        #expect(refused == 300, "every unpaid request is refused")
        #expect(try await relay.signed(.GET, "/v1/inbox").json["envelopes"].flatMap { ($0 as? [Any])?.count } == 2)
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0)
    }

    /// A client that opens as many connections as it has requests, as a flood does.
    static func client(trusting certificate: String) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 300)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
