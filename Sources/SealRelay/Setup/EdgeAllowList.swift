import Foundation
import SealCore

/// `sealrelayd edge allow`: lets one more edge relay forward to this relay, by copying its
/// `relay.pub` into the state directory and adding an `edge = edges/….relay.pub` line to
/// the config. The running relay reads the list at start, so the operator restarts it.
public enum EdgeAllowList {
    /// Returns the config line added.
    @discardableResult
    public static func allow(configPath: String, publicKeyPath: String) throws -> String {
        let config = try RelayConfig.load(path: configPath)
        let key: VerifyingKey
        do {
            key = try VerifyingKey.read(path: publicKeyPath, kind: .relay)
        } catch {
            throw ConfigError("\(publicKeyPath): \(error) (expected an edge's STATEDIR/relay.pub)")
        }
        let known = try AllowedEdge.load(paths: config.edges.map(config.path))
        if known[key.signatureKeyID] != nil {
            throw ConfigError("the edge \(key.fingerprint.hex.prefix(16)) is already allowed")
        }
        try FileSystem.makePrivateDirectory(config.path("edges"))
        let relative = "edges/\(key.fingerprint.hex.prefix(16)).relay.pub"
        try AtomicFile.write(try InputFile.readAll(path: publicKeyPath, limit: 64 * 1024), to: config.path(relative),
                             replaceExisting: true)
        let line = "edge = \(relative)"
        var text = String(decoding: try InputFile.readAll(path: configPath, limit: 1 << 20), as: UTF8.self)
        if !text.hasSuffix("\n") { text += "\n" }
        text += line + "\n"
        try AtomicFile.write(Array(text.utf8), to: configPath, mode: 0o600, replaceExisting: true)
        return line
    }
}
