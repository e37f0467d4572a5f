import Foundation
import Testing

/// docs/FORMAT.md §3-4: the payload is streamed in 64 KiB chunks, so a large attachment goes through
/// `seal encrypt` and `seal open` unchanged.
@Suite("seal streams large attachments")
final class LargeFileTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    static let mebibytes = 200

    @Test(.timeLimit(.minutes(3)))
    func largeAttachmentOpensByteIdentical() throws {
        let org = try seal.makeWorld()
        // 1 MiB of random bytes written 200 times, then a short odd-sized tail so the last
        // chunk is partial. Not text, so the source must allow it unscrubbed.
        var generator = SystemRandomNumberGenerator()
        let block = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let path = seal.path("video.raw")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for _ in 0..<Self.mebibytes { try handle.write(contentsOf: block) }
        try handle.write(contentsOf: block.prefix(12345))
        try handle.close()
        let size = Self.mebibytes << 20 + 12345
        let original = try seal.sha256("video.raw")

        let encrypted = try seal.encrypt(org, out: "big.seal", [
            "--message", "the whole shift on video", "--attach", "video.raw", "--allow-unscrubbed", "video.raw",
        ])
        #expect(encrypted.status == 0, "\(encrypted)")
        // Only the unscrubbed warning: no progress output when stderr is not a terminal.
        #expect(encrypted.stderrLines.count == 1, "\(encrypted)")
        #expect(!encrypted.stderr.contains("%"), "\(encrypted)")
        let envelopeSize = try #require(try FileManager.default.attributesOfItem(atPath: seal.path("big.seal"))[.size] as? Int)
        // Padmé costs at most 12%; chunk tags and the header a little more.
        #expect(envelopeSize > size && Double(envelopeSize) < Double(size) * 1.13, "\(envelopeSize)")

        let opened = try seal.ok("open", "--key", "keys/alice.seckey", "--out", "out", "big.seal")
        #expect(!opened.stderr.contains("%"), "\(opened)")
        let folder = try #require(seal.reportFolders(in: "out").first)
        let copy = "\(folder)/attachments/video.raw"
        #expect(try FileManager.default.attributesOfItem(atPath: seal.path(copy))[.size] as? Int == size)
        #expect(try seal.sha256(copy) == original)
        let manifest = try seal.json("\(folder)/manifest.json")
        #expect((manifest["files"] as? [[String: Any]])?.first?["sha256"] as? String == original)
    }

    @Test("on a full disk, encrypt and open each fail with the disk's error and leave no partial output",
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"), .timeLimit(.minutes(2)))
    func fullDisk() throws {
        let org = try seal.makeWorld()
        // Several write batches, so the failure happens on the thread that writes behind.
        try seal.write("video.raw", Data(repeating: 7, count: 12 << 20))
        let small = seal.path("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        #expect(try Self.mount(["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", small]) == 0)
        defer { _ = try? Self.mount(["-l", small], tool: "/bin/umount") }
        let attach = ["--message", "m", "--attach", "video.raw", "--allow-unscrubbed", "video.raw"]

        let encrypted = try seal.encrypt(org, out: "small/big.seal", attach)
        #expect(encrypted.status == 1 && !encrypted.crashed, "\(encrypted)")
        #expect(encrypted.stderr.contains("No space left on device"), "\(encrypted)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: small) == [], "no envelope, no partial file")

        #expect(try seal.encrypt(org, out: "big.seal", attach).status == 0)
        let opened = try seal.run("open", "--key", "keys/alice.seckey", "--out", "small/out", "big.seal")
        #expect(opened.status == 1 && !opened.crashed, "\(opened)")
        #expect(opened.stderr.contains("No space left on device"), "\(opened)")
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(small)/out")
        #expect(!left.contains { $0.hasPrefix("thread-") || $0.hasPrefix(".opening-") }, "\(left)")
    }

    static func mount(_ arguments: [String], tool: String = "/bin/mount") throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
