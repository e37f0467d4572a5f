import Foundation
import SealCore
@testable import SealRelay

extension RelayConfig {
    /// `text` as relay.conf in a private temporary folder, loaded as `sealrelayd` loads it.
    static func load(text: String) throws -> RelayConfig {
        let dir = NSTemporaryDirectory() + "sealrelay-conf-" + UUID().uuidString
        try FileSystem.makePrivateDirectory(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text.write(toFile: "\(dir)/relay.conf", atomically: true, encoding: .utf8)
        return try RelayConfig.load(path: "\(dir)/relay.conf")
    }
}
