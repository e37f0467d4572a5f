import Crypto
import Dispatch
import Foundation
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

    @Test("while an acknowledgement waits on a slow directory fsync, the spool still takes and lists reports")
    func slowFsyncHoldsNothingElse() async throws {
        let fsync = BlockedFsync()
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
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                let next = try await spool.reserve()
                await spool.release(next)
                return await spool.inbox(for: [kid]).isEmpty
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                fsync.release()  // so that a spool stuck behind the disk can finish and the test fail
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        fsync.release()
        #expect(answered, "the spool answered while the fsync hung")
        #expect(try await acknowledgement.value)
        #expect(!FileManager.default.fileExists(atPath: spool.path(ofQueued: id)))
    }
}

/// A directory fsync that hangs until released, as on a disk that has stopped answering.
final class BlockedFsync: @unchecked Sendable {
    private let lock = NSLock()
    private var blocking = false
    private var entered = false
    private let gate = DispatchSemaphore(value: 0)

    func block() { lock.withLock { blocking = true } }

    func release() {
        let wasBlocking = lock.withLock { () -> Bool in defer { blocking = false }; return blocking }
        if wasBlocking { gate.signal() }
    }

    var sync: @Sendable (String) throws -> Void {
        { [self] _ in
            let wait = lock.withLock { () -> Bool in
                if blocking { entered = true }
                return blocking
            }
            if wait { gate.wait() }
        }
    }

    func waitUntilEntered() async throws {
        for _ in 0..<400 {
            if lock.withLock({ entered }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the acknowledgement never reached the directory fsync")
    }
}
