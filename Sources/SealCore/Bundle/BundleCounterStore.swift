import Foundation

/// Remembers the highest bundle counter seen per organisation, so a relay cannot replay an
/// older bundle that still lists a reviewer whose key was since withdrawn.
///
/// It is a file on the user's machine naming the organisations they used (by fingerprint):
/// SECURITY.md discusses what that reveals on a seized device. Where it lives is the
/// caller's choice (`seal` looks at its environment); SealCore reads no environment.
public struct BundleCounterStore: Sendable {
    public let path: String

    public init(directory: String) {
        self.path = (directory as NSString).appendingPathComponent("bundle-counters.json")
    }

    func load() throws -> [String: Int] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let bytes = try InputFile.readAll(path: path, limit: 1 << 20)
        guard let map = try? JSONDecoder().decode([String: Int].self, from: Data(bytes)) else {
            throw BundleError.malformed("counter state \(path) is damaged; remove it only if you trust the bundle")
        }
        return map
    }

    public func highest(for organisation: Fingerprint) throws -> Int? {
        try load()[organisation.hex]
    }

    /// Refuses a counter lower than the highest seen, else records it.
    func accept(organisation: Fingerprint, counter: Int) throws {
        var map = try load()
        if let seen = map[organisation.hex] {
            guard counter >= seen else { throw BundleError.rollback(seen: seen, got: counter) }
            if counter == seen { return }
        }
        map[organisation.hex] = counter
        try FileSystem.makePrivateDirectory((path as NSString).deletingLastPathComponent)
        try AtomicFile.write(JSON.encoder.encode(map), to: path, mode: 0o600, replaceExisting: true)
    }
}
