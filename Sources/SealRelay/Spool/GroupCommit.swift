import Foundation

/// Commits in groups (docs/ARCHITECTURE.md, "Group commit"): uploads that finish together
/// share one fsync of the directory their envelopes were renamed into.
///
/// Each commit renames its file into place, then asks for a directory sync that starts
/// *after* its rename. Commits arriving while a sync runs join the next round; one of them
/// runs it for all. A round that fails fails every commit in it, so each of them undoes its
/// rename and answers an error: "202 only after the bytes and the entry are on stable
/// storage" holds for every member, as it would with one fsync each.
///
/// Blocking: called on the commit thread pool, whose threads wait here for the disk.
final class GroupCommit: @unchecked Sendable {
    private struct Directory {
        /// The round new arrivals join; it starts when no other round of this directory runs.
        var open = 0
        var running = false
        /// Rounds that finished and the members yet to read their outcome.
        var outcomes: [Int: (ok: Bool, unread: Int)] = [:]
        var members: [Int: Int] = [:]
    }

    private let condition = NSCondition()
    private var directories: [String: Directory] = [:]
    private let syncDirectory: @Sendable (String) throws -> Void

    init(syncDirectory: @escaping @Sendable (String) throws -> Void) {
        self.syncDirectory = syncDirectory
    }

    /// Returns once a directory sync that started after this call has succeeded; throws
    /// if it failed. Call it after the rename it must cover.
    func sync(_ directory: String) throws {
        condition.lock()
        defer { condition.unlock() }
        var joining = directories[directory] ?? Directory()
        let round = joining.open
        joining.members[round, default: 0] += 1
        directories[directory] = joining
        while directories[directory]?.outcomes[round] == nil {
            guard let state = directories[directory], !state.running, state.open == round else {
                condition.wait()
                continue
            }
            // Lead this round: close it, so later arrivals wait for the next sync.
            directories[directory]?.running = true
            directories[directory]?.open = round + 1
            let members = directories[directory]?.members.removeValue(forKey: round) ?? 1
            condition.unlock()
            let ok = (try? syncDirectory(directory)) != nil
            condition.lock()
            directories[directory]?.running = false
            directories[directory]?.outcomes[round] = (ok, members)
            condition.broadcast()
        }
        // The loop ends only with the outcome there; failing closed costs nothing if not.
        guard let outcome = directories[directory]?.outcomes[round] else { throw SpoolError.io("directory fsync failed") }
        if outcome.unread <= 1 {
            directories[directory]?.outcomes[round] = nil
            if directories[directory].map({ !$0.running && $0.members.isEmpty && $0.outcomes.isEmpty }) == true {
                directories[directory] = nil
            }
        } else {
            directories[directory]?.outcomes[round] = (outcome.ok, outcome.unread - 1)
        }
        guard outcome.ok else { throw SpoolError.io("directory fsync failed") }
    }

    /// How many commits wait for the next round of `directory`: for tests, which must know
    /// that every commit has joined before they let the disk go on.
    func waiting(in directory: String) -> Int {
        condition.withLock { directories[directory].map { $0.members[$0.open] ?? 0 } ?? 0 }
    }
}
