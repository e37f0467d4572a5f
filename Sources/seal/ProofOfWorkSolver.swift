import Foundation
import SealAPI
import Synchronization

/// Solves a relay's proof-of-work challenge natively on every core: worker `k` of `n` tries
/// nonces k, k+n, k+2n, ..., so no two workers repeat an attempt, and the first solution
/// cancels the rest. Progress shows on a terminal only.
enum ProofOfWorkSolver {
    static func solve(_ offer: PoWOffer) async throws -> PoWToken {
        guard let challenge = offer.parsedChallenge else {
            throw CLIError("the relay's proof-of-work challenge is not one this seal can read; is seal up to date?")
        }
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let attempts = AttemptCounter()
        let expected = 1 << min(challenge.bits, 62)
        return try await withThrowingTaskGroup(of: PoWToken?.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var n = UInt64(worker)
                    while !Task.isCancelled {
                        let token = PoWToken(challenge: challenge, nonce: ProofOfWork.nonce(n))
                        if token.isSolved { return token }
                        attempts.add()
                        n += UInt64(workers)
                    }
                    return nil
                }
            }
            if let show = Terminal.progress("proof of work (about \(expected) attempts)") {
                group.addTask {
                    while !Task.isCancelled {
                        show(min(attempts.count, expected - 1), expected)
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                    show(expected, expected)
                    return nil
                }
            }
            while let result = try await group.next() {
                if let token = result {
                    group.cancelAll()
                    return token
                }
            }
            throw CancellationError()
        }
    }

    /// Attempts made so far, shared by the workers and the progress line.
    final class AttemptCounter: Sendable {
        private let value = Atomic<Int>(0)

        func add() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }
}
