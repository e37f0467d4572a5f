import Foundation
import SealCore

extension BundleCounterStore {
    /// Where `seal` keeps the counters it has seen (README.md): `$SEAL_STATE_DIR`, else `$XDG_STATE_HOME/sealrelay`, else `~/.local/state/sealrelay`.
    static func standard() -> BundleCounterStore {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SEAL_STATE_DIR"], !dir.isEmpty { return BundleCounterStore(directory: dir) }
        if let xdg = env["XDG_STATE_HOME"], !xdg.isEmpty {
            return BundleCounterStore(directory: (xdg as NSString).appendingPathComponent("sealrelay"))
        }
        let home = env["HOME"] ?? NSHomeDirectory()
        return BundleCounterStore(directory: (home as NSString).appendingPathComponent(".local/state/sealrelay"))
    }
}
