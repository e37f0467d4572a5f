import Foundation
import Logging
import NIOHTTP1
import SealCore
import Testing
@testable import SealRelay

/// The relay's side of the submission page (issue 7): it serves the static page with the
/// organisation fingerprint from relay.conf written into it, under the strict CSP, serves
/// SealCore's own word lists, and refuses to start when the configured fingerprint is not
/// the key that signed the bundle it serves. The page itself is tested in a real browser by
/// Tests/web.
@Suite("Submission page")
final class SubmissionPageTests {
    @Test func pageCarriesTheConfiguredFingerprintInAMetaTagNotAScript() async throws {
        let relay = try await TestRelay()
        let page = try await relay.request(.GET, "/")
        await relay.stop()
        #expect(page.status == .ok)
        #expect(page.headers["Content-Type"].first?.hasPrefix("text/html") == true)
        let html = String(decoding: page.body, as: UTF8.self)
        let fingerprint = relay.org.fingerprint.hex
        #expect(relay.relay.config.organisationFingerprint == fingerprint, "init wrote the bundle's organisation")
        #expect(html.contains("<meta name=\"seal-organisation-fingerprint\" content=\"\(fingerprint)\">"))
        #expect(!html.contains(WebRoutes.fingerprintPlaceholder))
        #expect(!html.contains("<script>") && !html.contains("style="), "no inline script or style")
    }

    @Test("the page and its assets carry the CSP and privacy headers",
          arguments: ["/", "/index.html", "/style.css", "/js/app.js", "/js/crypto.js", "/i18n/ko.json", "/wordlists/korean.txt"])
    func pageHeaders(path: String) async throws {
        let relay = try await TestRelay()
        let reply = try await relay.request(.GET, path)
        await relay.stop()
        #expect(reply.status == .ok, "\(path)")
        let csp = reply.headers["Content-Security-Policy"].first ?? ""
        #expect(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
        #expect(csp.contains("form-action 'none'"))
        #expect(reply.headers["Cache-Control"] == ["no-store"])
        #expect(reply.headers["Referrer-Policy"] == ["no-referrer"])
        for absent in ["Server", "ETag", "Set-Cookie", "Last-Modified"] {
            #expect(reply.headers[absent].isEmpty, "\(absent) on \(path)")
        }
    }

    @Test func wordListsAreSealCoresOwnFiles() async throws {
        let relay = try await TestRelay()
        for name in CodenameWordlistFiles.names {
            let reply = try await relay.request(.GET, "/wordlists/\(name).txt")
            #expect(reply.status == .ok)
            #expect(reply.body == CodenameWordlistFiles.bytes(named: name), "\(name)")
            #expect(String(decoding: reply.body, as: UTF8.self).split(separator: "\n").count == 2048)
        }
        await relay.stop()
    }

    @Test("paths outside the page are not served", arguments: ["/../Package.swift", "/wordlists/french.txt", "/js/", "/index.htm", "/%2e%2e/relay.conf"])
    func unknownPaths(path: String) async throws {
        let relay = try await TestRelay()
        let reply = try await relay.request(.GET, path)
        await relay.stop()
        #expect(reply.status == .notFound, "\(path)")
    }

    @Test func relayRefusesToStartWhenTheFingerprintIsNotTheBundlesSigner() async throws {
        let relay = try await TestRelay()
        await relay.stop()
        var config = relay.relay.config
        config.organisationFingerprint = String(repeating: "ab", count: 32)
        #expect(throws: ConfigError.self) { try Relay(config: config, logger: .init(label: "test")) }
    }

    @Test func configWithoutTheKeyFallsBackToTheBundlesOwnSigner() async throws {
        let relay = try await TestRelay { $0.organisationFingerprint = nil }
        let html = String(decoding: try await relay.request(.GET, "/").body, as: UTF8.self)
        await relay.stop()
        #expect(html.contains("content=\"\(relay.org.fingerprint.hex)\""))
    }

    @Test func configFileRoundTripsTheFingerprintAndRefusesAMalformedOne() throws {
        let dir = NSTemporaryDirectory() + "sealrelay-conf-" + UUID().uuidString
        try FileSystem.makePrivateDirectory(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = RelayConfig.defaults
        config.organisationFingerprint = String(repeating: "0f", count: 32)
        try config.rendered().write(toFile: "\(dir)/relay.conf", atomically: true, encoding: .utf8)
        #expect(try RelayConfig.load(path: "\(dir)/relay.conf").organisationFingerprint == config.organisationFingerprint)
        try "organisation_fingerprint = 12345\n".write(toFile: "\(dir)/bad.conf", atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try RelayConfig.load(path: "\(dir)/bad.conf") }
    }
}
