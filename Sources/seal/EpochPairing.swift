import SealCore

/// Pairs each `--epochs` file with the `--reviewer` of the same name, so an epochs file can
/// only ever add keys to the reviewer whose name it carries.
enum EpochPairing {
    static func pair(_ paths: [String], with reviewers: [ReviewerPublicKey]) throws -> [EpochPublicKey] {
        var paired = Set<String>()
        var epochs: [EpochPublicKey] = []
        for path in paths {
            let file = try EpochPublicFile.read(path: path)
            let name = UntrustedText.line(file.name, limit: 80)
            guard reviewers.contains(where: { $0.name == file.name }) else {
                throw CLIError("\(path) holds the epochs of \"\(name)\", but no --reviewer has that name")
            }
            guard paired.insert(file.name).inserted else {
                throw CLIError("\(path): a second --epochs file for \"\(name)\"; give one file per reviewer")
            }
            if file.epochs.isEmpty { Terminal.warn("\(path) lists no epochs; \(name) gets identity keys only") }
            // Compared aloud with the one `seal epoch new` showed the reviewer.
            print("epochs of \(name): \(file.epochs.count) month(s), fingerprint \(file.fingerprint.digitGroups)")
            epochs += file.epochs
        }
        return epochs
    }
}
