import Foundation
import SealCore
import Testing
@testable import SealScrub

/// Inputs the fuzzers (Fuzz/, `make fuzz`) found crashing a scrubber or getting metadata past
/// it, replayed on every test run: each must now be refused with an error, or cleaned into
/// a file the scrubber's own inspection finds clean. The same files are in the fuzz corpus,
/// so the fuzzers start from them too.
@Suite("Fuzzer findings")
struct FuzzRegressionTests {
    static var inputs: [String] {
        guard let folder = Bundle.module.url(forResource: "Regressions", withExtension: nil) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { "\(folder.path)/\($0)" }
    }

    @Test("the regression folder is not empty (a missing resource would make this suite pass vacuously)")
    func hasInputs() {
        #expect(!Self.inputs.isEmpty)
    }

    @Test("an input found by fuzzing is refused, or cleaned into a file whose inspection finds nothing", arguments: inputs)
    func replays(path: String) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let type = ContentType.detect(Array(bytes.prefix(64)))
        let scrubber = try #require(Scrubbers.scrubber(for: type), "no scrubber for \(type)")
        _ = try? scrubber.inspect(InputFile(bytes: bytes, name: "finding"))
        guard let cleaned = try? InMemoryScrub.run(scrubber, bytes) else { return }
        let left = (try? scrubber.inspect(InputFile(bytes: cleaned.bytes, name: "cleaned"))) ?? []
        #expect(left.isEmpty, "the cleaned file still carries \(left)")
    }
}
