import Logging
import SealCore

/// An edge takes its bundle from its upstream at start, so it validates kids against the
/// organisation's current bundle. The bundle must be signed by the organisation this relay
/// is pinned to and must not go backwards; anything else is logged and the bundle on disk
/// kept (an edge must start even while its upstream is away).
public enum BundleRefresh {
    public static func atStart(config: RelayConfig, logger: Logger) async {
        guard let upstream = config.upstream else { return }
        let path = config.path(config.bundle)
        do {
            let current = try RecipientBundle.verifySelfSigned(try InputFile.readAll(path: path, limit: 1 << 20))
            let pinned = config.organisationFingerprint.flatMap { Fingerprint(hex: $0) } ?? current.organisation.fingerprint
            let client = try UpstreamClient(endpoint: upstream, caPath: config.upstreamCA.map(config.path),
                                            proxy: config.upstreamProxy, key: RelayKey.load(stateDirectory: config.directory))
            let fetched: [UInt8]
            do {
                fetched = try await client.bundle()
                await client.shutdown()
            } catch {
                await client.shutdown()
                throw ConfigError(UpstreamClient.describe(error))
            }
            let bundle = try RecipientBundle.verify(fetched, pinned: pinned, counters: nil)
            guard bundle.counter > current.counter else { return }
            try AtomicFile.write(fetched, to: path, replaceExisting: true)
            logger.notice("took a newer bundle from the upstream", metadata: ["counter": "\(bundle.counter)"])
        } catch {
            logger.warning("could not refresh the bundle from the upstream; serving the one on disk",
                           metadata: ["reason": "\(error)"])
        }
    }
}
