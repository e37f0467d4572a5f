import Foundation
import NIOPosix
import Testing
@testable import SealRelay

/// Commits that finish together share one directory fsync (docs/ARCHITECTURE.md, "Group
/// commit"), and each still returns only after an fsync that began after its rename.
@Suite("Group commit", .fileSpoolOnly("the file spool's directory fsyncs; the database commits on its own"))
final class GroupCommitTests {
    let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 12)
        pool.start()
        return pool
    }()

    deinit { try? pool.syncShutdownGracefully() }

    /// A directory fsync that counts its calls, holds at `gate`, and fails the rounds listed.
    final class Directory: @unchecked Sendable {
        let gate = DiskGate()
        private let lock = NSLock()
        private var calls = 0
        var failingCalls: Set<Int> = []

        var count: Int { lock.withLock { calls } }

        var sync: @Sendable (String) throws -> Void {
            { [self] _ in
                let call = lock.withLock { calls += 1; return calls }
                gate.pass()
                if lock.withLock({ failingCalls.contains(call) }) { throw SpoolError.io("injected") }
            }
        }
    }

    /// One commit whose directory fsync is held at the gate, and `count` more that have all
    /// joined the next round while it is held.
    func commits(to group: GroupCommit, while directory: Directory, holdsItsFirstSync count: Int) async throws
        -> (first: Task<Bool, any Error>, later: [Task<Bool, any Error>]) {
        directory.gate.block()
        let first = commit(group)
        try await directory.gate.waitUntilEntered(1)
        let later = (0..<count).map { _ in commit(group) }
        try await eventually { group.waiting(in: "/spool/envelopes") == count }
        return (first, later)
    }

    func commit(_ group: GroupCommit) -> Task<Bool, any Error> {
        Task { [pool] in try await pool.runIfActive { (try? group.sync("/spool/envelopes")) != nil } }
    }

    @Test("eight commits that arrive while a directory fsync runs share the next one, and none returns before it")
    func arrivalsShareTheNextSync() async throws {
        let directory = Directory()
        let group = GroupCommit(syncDirectory: directory.sync)
        let (first, later) = try await commits(to: group, while: directory, holdsItsFirstSync: 8)
        #expect(directory.count == 1, "no commit that arrived during a sync returned on it")
        directory.gate.release()
        #expect(try await first.value)
        for commit in later { #expect(try await commit.value) }
        #expect(directory.count == 2)
    }

    @Test("a failed directory fsync fails every commit that shared it, and only those")
    func failedRoundFailsItsMembers() async throws {
        let directory = Directory()
        directory.failingCalls = [2]
        let group = GroupCommit(syncDirectory: directory.sync)
        let (first, sharing) = try await commits(to: group, while: directory, holdsItsFirstSync: 5)
        directory.gate.release()
        #expect(try await first.value)
        for commit in sharing { #expect(try await !commit.value) }
        #expect(try await commit(group).value, "the next round succeeds again")
        #expect(directory.count == 3)
    }

    @Test("commits to different directories do not wait for each other's fsync")
    func directoriesAreIndependent() async throws {
        let directory = Directory()
        let group = GroupCommit(syncDirectory: directory.sync)
        directory.gate.block()
        let held = commit(group)
        try await directory.gate.waitUntilEntered(1)
        let other = Task { [pool] in try await pool.runIfActive { try group.sync("/spool/replies/box") } }
        try await eventually { directory.count == 2 }
        directory.gate.release()
        #expect(try await held.value)
        try await other.value
    }

    private func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<400 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the condition never held")
    }
}
