#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit against what the config lets in: every connection,
/// every chunked upload's partial file, and a margin for the spool, TLS files and logs.
/// A relay that would run out of descriptors under load refuses to start instead.
enum FileLimit {
    static let margin = 64

    static func check(_ config: RelayConfig) throws {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let needed = config.maxConnections + config.maxUploads + margin
        guard limit.rlim_cur > rlim_t(needed) else {
            throw ConfigError("the open-file limit is \(limit.rlim_cur), not above max_connections + max_uploads + \(margin) = \(needed): raise LimitNOFILE (systemd) or lower max_connections")
        }
    }
}
