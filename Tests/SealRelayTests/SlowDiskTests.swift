import Crypto
import Dispatch
import Foundation
import NIOHTTP1
import SealCore
import SealTestSupport
import Testing
@testable import SealRelay

/// A slow disk stalls only the work that waits for it (docs/ARCHITECTURE.md, "Spool/"): the
/// spool's unlinks and fsyncs run on their own thread, never inside the actor every upload
/// and inbox listing goes through.
@Suite("Slow disks")
final class SlowDiskTests {
    let dir = TemporaryDirectory()

    @Test("while an acknowledgement waits on a slow directory fsync, the spool still takes and lists reports",
          .fileSpoolOnly("a test of the file spool itself"))
    func slowFsyncHoldsNothingElse() async throws {
        let fsync = DiskGate()
        let spool = try Spool(directory: dir.path, quotas: .init(maxEnvelopeBytes: 1 << 20, maxSpoolBytes: 1 << 24, maxEnvelopes: 10),
                              expiryDays: 30, expiryJitterDays: 0, syncDirectory: fsync.sync)
        let kid = try #require(KeyID(bytes: Array(repeating: 7, count: 16)))
        let bytes = Array("an envelope's bytes".utf8)
        let id = EnvelopeID(digest: SHA256.hash(data: bytes))
        let reservation = try await spool.reserve()
        try Data(bytes).write(to: URL(fileURLWithPath: try spool.path(for: id, delivery: .report(reviewers: [kid]))))
        await spool.register(reservation, id: id, delivery: .report(reviewers: [kid]), recipients: [kid], size: bytes.count,
                             expiry: spool.expiryDate())

        fsync.block()
        let acknowledgement = Task { try await spool.acknowledge(id, by: [kid]) }
        try await fsync.waitUntilEntered()
        // The disk now hangs inside the acknowledgement. Before the fix, the actor itself
        // waited here, and so did every upload: these calls would not return.
        let answered = try await fsync.answersWhileHeld {
            let next = try await spool.reserve()
            await spool.release(next)
            return await spool.inbox(for: [kid]).isEmpty
        }
        #expect(answered, "the spool answered while the fsync hung")
        #expect(try await acknowledgement.value)
        #expect(!FileManager.default.fileExists(atPath: spool.path(ofQueued: id)))
    }

    @Test("while four uploads hang on a stalled disk, the relay still serves GET /v1/bundle",
          // With the database, an upload's last disk call is its partial file's write.
          arguments: StorageBackend.underTest == .file ? SlowCall.allCases : [.write])
    func stalledDiskLeavesTheBundle(_ call: SlowCall) async throws {
        let gate = DiskGate()
        let relay = try await TestRelay(disk: gate.disk(slowing: call))
        let envelopes = try (0..<4).map { try relay.envelope(message: "report \($0)") }
        gate.block()
        let uploads = envelopes.map { envelope in Task { try await relay.request(.POST, "/v1/reports", body: envelope).status } }
        // More uploads hang in the disk than this machine has cores: had they blocked the
        // threads that serve connections, nothing else would be answered.
        try await gate.waitUntilEntered(call.callsHeld(uploads: 4))
        let served = try await gate.answersWhileHeld { try await relay.request(.GET, "/v1/bundle").status == .ok }
        #expect(served, "the bundle was served while the disk hung")
        for upload in uploads { #expect(try await upload.value == .accepted) }
        await relay.stop()
    }
}

/// A disk call that hangs until released, as on a disk that has stopped answering.
final class DiskGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var blocking = false
    private var entered = 0

    func block() { condition.withLock { blocking = true } }

    func release() {
        condition.withLock {
            blocking = false
            condition.broadcast()
        }
    }

    /// Waits here while the gate is blocked.
    func pass() {
        condition.withLock {
            if blocking { entered += 1 }
            while blocking { condition.wait() }
        }
    }

    var sync: @Sendable (String) throws -> Void { { [self] _ in pass() } }

    /// A disk whose `call` waits at this gate first.
    func disk(slowing call: SlowCall) -> SpoolDisk {
        let standard = SpoolDisk.standard
        switch call {
        case .write: return SpoolDisk(write: { [self] in pass(); return standard.write($0, $1) }, syncDirectory: standard.syncDirectory)
        case .directoryFsync: return SpoolDisk(write: standard.write, syncDirectory: { [self] in pass(); try standard.syncDirectory($0) })
        }
    }

    /// Whether `work` returns true while the gate holds (within 20 s); the gate is open
    /// afterwards either way, so that work stuck behind the disk can finish and the test fail.
    func answersWhileHeld(_ work: @escaping @Sendable () async throws -> Bool) async throws -> Bool {
        defer { release() }
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask(operation: work)
            group.addTask { [self] in
                try await Task.sleep(for: .seconds(20))
                release()
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Waits until `count` calls are held at the gate.
    func waitUntilEntered(_ count: Int = 1) async throws {
        for _ in 0..<400 {
            if condition.withLock({ entered >= count }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("only \(condition.withLock { entered }) of \(count) disk calls reached the gate")
    }
}

enum SlowCall: String, CaseIterable, CustomTestStringConvertible {
    case write, directoryFsync
    var testDescription: String { rawValue }

    /// How many of `uploads` concurrent commits wait at the gate itself: each writes, but
    /// one directory fsync serves them all while the rest wait for its round.
    func callsHeld(uploads: Int) -> Int { self == .write ? uploads : 1 }
}
