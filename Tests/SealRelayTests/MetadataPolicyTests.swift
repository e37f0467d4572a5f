import Foundation
import NIOHTTP1
import SealAPI
import SealCore
import SealTestSupport
import Testing
@testable import SealRelay

/// SECURITY.md: the relay writes no client address, header or exact time anywhere, and its
/// TLS cannot link two visits. These tests use real tools from outside the process:
/// curl (to send from a second loopback address with marker headers) and openssl s_client.
@Suite("Metadata policy")
struct MetadataPolicyTests {
    static let markers = ["127.0.0.2", "MarkerAgent-7f3e", "https://referer-marker.example/", "xx-MARKERLANG", "marker-header-value-91c4"]

    /// Every log line, the metrics text, the name and content of every file in the relay's
    /// state directory and, on PostgreSQL, a pg_dump of its database: where a trace of a
    /// client could be kept. `logs` are the in-process relay's unless given (a daemon's).
    static func everythingKept(by relay: TestRelay, logs: String? = nil, metrics: [UInt8] = []) async throws -> [String] {
        var haystacks = everythingKept(in: relay.stateDirectory, logs: logs ?? relay.logs.all, metrics: metrics)
        if let (server, name) = relay.database { haystacks.append(try await server.dump(name)) }
        return haystacks
    }

    /// The same for a relay running as a process: its state directory and its log.
    static func everythingKept(in stateDirectory: String, logs: String, metrics: [UInt8] = []) -> [String] {
        var haystacks = [logs, String(decoding: metrics, as: UTF8.self)]
        let files = FileManager.default.enumerator(atPath: stateDirectory)?.allObjects as? [String] ?? []
        for file in files {
            let full = "\(stateDirectory)/\(file)"
            if let data = FileManager.default.contents(atPath: full) { haystacks.append(String(decoding: data, as: UTF8.self)) }
            haystacks.append(file)
        }
        #expect(files.count > 5, "the search covered the state directory")
        return haystacks
    }

    /// Runs a tool on a Dispatch thread: waiting for it on the cooperative pool would starve
    /// the in-process relay it is talking to.
    static func run(_ tool: String, _ arguments: [String], stdin: Data? = nil) async throws -> (Int32, String) {
        try await ChildProcess.offCooperativeThreads { try runBlocking(tool, arguments, stdin: stdin) }
    }

    static func runBlocking(_ tool: String, _ arguments: [String], stdin: Data?) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func curl(_ relay: TestRelay, _ extra: [String]) async throws -> String {
        let (status, output) = try await Self.run("curl", ["-sS", "--interface", "127.0.0.2", "--cacert", "\(relay.stateDirectory)/tls/cert.pem",
                                                     "-A", "MarkerAgent-7f3e", "-e", "https://referer-marker.example/",
                                                     "-H", "Accept-Language: xx-MARKERLANG", "-H", "X-Marker: marker-header-value-91c4",
                                                     "-D", "-"] + extra)
        #expect(status == 0, "curl: \(output)" as Comment)
        return output
    }

    @Test("a submission from 127.0.0.2 with marker headers leaves no trace in logs, state or metrics")
    func noTrace() async throws {
        let relay = try await TestRelay()
        let path = "\(relay.dir)/upload.seal"
        try Data(relay.envelope()).write(to: URL(fileURLWithPath: path))
        let response = try await curl(relay, ["--data-binary", "@\(path)", "-H", "Content-Type: application/octet-stream",
                                              "-H", "\(RelayHeader.proofOfWork): \(try await relay.proofOfWork())", "\(relay.base)/v1/reports"])
        #expect(response.contains("202"))
        _ = try await curl(relay, ["\(relay.base)/v1/bundle", "-o", "/dev/null"])
        let metrics = try await relay.publishedMetrics()
        #expect(metrics.contains("sealrelay_reports_accepted_total 1"))
        await relay.stop()

        let haystacks = try await Self.everythingKept(by: relay, metrics: Array(metrics.utf8))
        for marker in Self.markers {
            for (i, text) in haystacks.enumerated() {
                #expect(!text.contains(marker), "\(marker) found in haystack \(i)")
            }
        }
    }

    @Test("a chunked submission from 127.0.0.2 with marker headers leaves no trace in logs, state or metrics")
    func noTraceChunked() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope(message: String(repeating: "chunk ", count: 20_000))
        let created = try await curl(relay, ["-X", "POST", "-H", "\(RelayHeader.proofOfWork): \(try await relay.proofOfWork())",
                                             "\(relay.base)/v1/uploads"])
        let id = try #require(created.firstMatch(of: /"upload":"([A-Za-z0-9_-]{22})"/)?.1)
        let half = envelope.count / 2
        for (i, range) in [0..<half, half..<envelope.count].enumerated() {
            let path = "\(relay.dir)/slice\(i)"
            try Data(envelope[range]).write(to: URL(fileURLWithPath: path))
            let put = try await curl(relay, ["-X", "PUT", "--data-binary", "@\(path)", "-H", "Content-Type: application/octet-stream",
                                             "-H", "Upload-Offset: \(range.lowerBound)", "\(relay.base)/v1/uploads/\(id)"])
            #expect(put.contains("\"offset\":\(range.upperBound)"), Comment(rawValue: put))
        }
        let done = try await curl(relay, ["-X", "POST", "\(relay.base)/v1/uploads/\(id)/complete"])
        #expect(done.contains("202"))
        let metrics = try await relay.publishedMetrics()
        #expect(metrics.contains("sealrelay_reports_accepted_total 1"))
        await relay.stop()

        let haystacks = try await Self.everythingKept(by: relay, metrics: Array(metrics.utf8))
        for marker in Self.markers + [String(id)] {
            for (i, text) in haystacks.enumerated() {
                #expect(!text.contains(marker), "\(marker) found in haystack \(i)")
            }
        }
    }

    @Test("every route answers with the privacy headers and without Server, ETag or cookies",
          arguments: [("GET", "/v1/bundle"), ("POST", "/v1/reports"), ("GET", "/v1/inbox"), ("GET", "/v1/inbox/AAAAAAAAAAAAAAAAAAAAAA"),
                      ("DELETE", "/v1/inbox/AAAAAAAAAAAAAAAAAAAAAA"), ("GET", "/nowhere"), ("POST", "/v1/uploads"),
                      ("PUT", "/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA"), ("POST", "/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA/complete")])
    func headers(method: String, path: String) async throws {
        let relay = try await TestRelay()
        let reply = try await relay.request(HTTPMethod(rawValue: method), path, body: method == "POST" || method == "PUT" ? [1, 2, 3] : nil,
                                            headers: method == "PUT" ? [("Upload-Offset", "0")] : [])
        #expect(reply.headers["Cache-Control"] == ["no-store"])
        #expect(reply.headers["Referrer-Policy"] == ["no-referrer"])
        #expect(reply.headers["Content-Security-Policy"].first?.contains("default-src 'self'") == true)
        for absent in ["Server", "ETag", "Set-Cookie", "Last-Modified"] {
            #expect(reply.headers[absent].isEmpty, "\(absent) on \(method) \(path)")
        }
        await relay.stop()
    }

    @Test("TLS 1.2 is refused")
    func noTLS12() async throws {
        let relay = try await TestRelay()
        let (status, output) = try await Self.run("openssl", ["s_client", "-connect", "127.0.0.1:\(relay.tlsPort)", "-tls1_2"], stdin: Data())
        #expect(status != 0, Comment(rawValue: output))
        let (ok, output13) = try await Self.run("openssl", ["s_client", "-connect", "127.0.0.1:\(relay.tlsPort)", "-tls1_3"], stdin: Data())
        #expect(ok == 0 && output13.contains("TLSv1.3"), Comment(rawValue: output13))
        await relay.stop()
    }

    @Test("a TLS session cannot be resumed: no ticket is issued and a second connection is new")
    func noResumption() async throws {
        let relay = try await TestRelay()
        let session = "\(relay.dir)/tls-session"
        // -ign_eof keeps s_client reading until the server closes, so post-handshake
        // tickets, if any were sent, are seen and saved.
        let request = Data("GET /v1/bundle HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        let (_, first) = try await Self.run("openssl", ["s_client", "-connect", "127.0.0.1:\(relay.tlsPort)", "-tls1_3", "-ign_eof",
                                                        "-sess_out", session], stdin: request)
        #expect(first.contains("HTTP/1.1 200"), Comment(rawValue: first))
        #expect(!first.contains("New Session Ticket"), Comment(rawValue: first))
        // With no ticket openssl has no session to save; if it saved one, offering it back
        // must still give a new session.
        if FileManager.default.fileExists(atPath: session) {
            let (_, second) = try await Self.run("openssl", ["s_client", "-connect", "127.0.0.1:\(relay.tlsPort)", "-tls1_3",
                                                             "-ign_eof", "-sess_in", session], stdin: request)
            #expect(second.contains("New, TLSv1.3"), Comment(rawValue: second))
            #expect(!second.contains("Reused,"), Comment(rawValue: second))
        }
        await relay.stop()
    }

    @Test("the onion listener refuses to bind anywhere but loopback")
    func onionLoopbackOnly() throws {
        var config = RelayConfig.defaults
        config.onionListen = HostPort(host: "0.0.0.0", port: 8080)
        #expect(throws: ConfigError.self) { try config.validate() }
        config.onionListen = HostPort(host: "127.0.0.1", port: 8080)
        try config.validate()
    }
}
