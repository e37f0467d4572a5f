import SealCore
@testable import SealScrub

/// Runs a scrubber on bytes built by a test, without touching the disk.
enum InMemoryScrub {
    struct Output {
        let bytes: [UInt8]
        let removed: [String]
    }

    static func run(_ scrubber: any Scrubber, _ bytes: [UInt8], name: String = "test-input") throws -> Output {
        let output = AtomicFile(inMemoryNamed: name)
        let removed = try scrubber.scrub(InputFile(bytes: bytes, name: name), into: output)
        return Output(bytes: output.memory ?? [], removed: removed)
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard haystack.count >= n.count else { return false }
        return (0...(haystack.count - n.count)).contains { Array(haystack[$0..<($0 + n.count)]) == n }
    }
}
