import Foundation
import SealCore
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

/// The whole path on real sockets, every step its own process: a source's `seal submit`,
/// the `sealrelayd` daemon, a reviewer's `seal fetch` on the online machine and `seal open`
/// on the air-gapped one.
@Suite("End to end")
struct EndToEndTests {
    static func seal(_ arguments: [String]) async throws -> (Int32, String) {
        let binary = URL(fileURLWithPath: try RelayDaemon.binary()).deletingLastPathComponent().appendingPathComponent("seal").path
        return try await MetadataPolicyTests.run(binary, arguments)
    }

    @Test("submit, fetch and open as separate processes give back the message and attachment byte for byte")
    func submitFetchOpen() async throws {
        let relay = try await TestRelay()
        let dir = relay.dir
        try AtomicFile.write(relay.reviewers[0].encoded(passphrase: nil), to: "\(dir)/alice.seckey", mode: 0o600)
        try AtomicFile.write(relay.credentials[0].encoded(passphrase: nil), to: "\(dir)/alice.fetch.seckey", mode: 0o600)
        let attachment = Array("Contract, clause 7: passports held by the employer.\n".utf8)
        try Data(attachment).write(to: URL(fileURLWithPath: "\(dir)/contract.txt"))
        let config = try await relay.handOverToDaemon()
        let daemon = try RelayDaemon(configPath: config)
        let url = "https://127.0.0.1:\(try await daemon.port())"
        let ca = "\(relay.stateDirectory)/tls/cert.pem"
        let message = "We work 16 hours a day. 우리는 하루 16시간 일한다."

        let (submitted, submitOutput) = try await Self.seal([
            "submit", "--relay", url, "--org-fingerprint", relay.org.fingerprint.hex, "--ca", ca,
            "--message", message, "--attach", "\(dir)/contract.txt", "--codename-file", "\(dir)/codename.txt"])
        #expect(submitted == 0, Comment(rawValue: submitOutput))
        let receipt = try #require(submitOutput.split(separator: "\n").first { $0.hasPrefix("receipt: ") }).dropFirst("receipt: ".count)

        let (fetched, fetchOutput) = try await Self.seal([
            "fetch", "--relay", url, "--credential", "\(dir)/alice.fetch.seckey", "--ca", ca, "--out", "\(dir)/inbox"])
        #expect(fetched == 0, Comment(rawValue: fetchOutput))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/inbox/\(receipt).seal"))

        let (opened, openOutput) = try await Self.seal(["open", "--key", "\(dir)/alice.seckey", "--out", "\(dir)/opened", "\(dir)/inbox"])
        #expect(opened == 0, Comment(rawValue: openOutput))
        let report = try #require(FileManager.default.subpathsOfDirectory(atPath: "\(dir)/opened").first { $0.hasSuffix("message.txt") })
        let folder = "\(dir)/opened/\(report.dropLast("/message.txt".count))"
        #expect(try String(contentsOfFile: "\(folder)/message.txt", encoding: .utf8) == message)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/attachments/contract.txt"))) == attachment)

        // Fetched means acknowledged: a second fetch finds nothing, and alice's inbox is empty.
        let (again, againOutput) = try await Self.seal([
            "fetch", "--relay", url, "--credential", "\(dir)/alice.fetch.seckey", "--ca", ca, "--out", "\(dir)/inbox"])
        #expect(again == 0 && againOutput.contains("fetched 0"), Comment(rawValue: againOutput))
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0)
    }

    @Test("a relay whose certificate is not the pinned one is refused quickly, with one line")
    func wrongCertificate() async throws {
        let relay = try await TestRelay()
        let other = try SelfSignedCertificate.make(hostname: "127.0.0.1")
        try other.certificatePEM.write(toFile: "\(relay.dir)/other.pem", atomically: true, encoding: .utf8)
        let started = Date()
        let (status, output) = try await Self.seal([
            "submit", "--relay", relay.base, "--org-fingerprint", relay.org.fingerprint.hex, "--ca", "\(relay.dir)/other.pem",
            "--message", "x"])
        #expect(status == 1)
        #expect(output.split(separator: "\n").count == 1 && output.contains("not trusted"), Comment(rawValue: output))
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try await relay.kept().isEmpty)
        await relay.stop()
    }

    @Test("an envelope made offline for another bundle is refused before anything is sent")
    func offlineEnvelopeForAnotherBundle() async throws {
        let relay = try await TestRelay()
        let stranger = try ReviewerIdentity.generate(name: "mallory")
        let path = "\(relay.dir)/offline.seal"
        try Data(relay.envelope(to: [stranger.publicKey])).write(to: URL(fileURLWithPath: path))
        let (status, output) = try await Self.seal([
            "submit", "--relay", relay.base, "--org-fingerprint", relay.org.fingerprint.hex,
            "--ca", "\(relay.stateDirectory)/tls/cert.pem", "--envelope", path])
        #expect(status == 1, Comment(rawValue: output))
        #expect(output.contains("offline.seal"), Comment(rawValue: output))
        #expect(try await relay.kept().isEmpty)
        await relay.stop()
    }
}
