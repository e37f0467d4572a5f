import Logging
import SealCore

/// An edge takes its bundle from its upstream, so it validates kids against the
/// organisation's current bundle. The bundle must be signed by the organisation this relay
/// is pinned to and must be newer than the one on disk; anything else is logged and the
/// bundle on disk kept (an edge must start even while its upstream is away).
///
/// At start the new bundle is what the relay loads. While it runs, a newer bundle is saved
/// for the next start and taken at once: served and checked against from the next request
/// (docs/ARCHITECTURE.md "Relay network").
public enum BundleRefresh {
    public static func atStart(config: RelayConfig, logger: Logger) async {
        guard let upstream = config.upstream else { return }
        do {
            let client = try UpstreamClient(endpoint: upstream,
                                            caPath: config.upstreamCA.map(config.path), proxy: config.upstreamProxy,
                                            key: RelayKey.load(stateDirectory: config.directory))
            let saved: RecipientBundle?
            do {
                saved = try await refresh(using: client, config: config)
                await client.shutdown()
            } catch {
                await client.shutdown()
                throw error
            }
            if let saved { logger.notice("took a newer bundle from the upstream", metadata: ["counter": "\(saved.counter)"]) }
        } catch {
            logger.warning("could not refresh the bundle from the upstream; serving the one on disk",
                           metadata: ["reason": "\(error)"])
        }
    }

    /// Between forwarding rounds: a newer bundle is saved for the next start and taken by the
    /// running relay, with one log line.
    static func whileRunning(using client: UpstreamClient, config: RelayConfig, current: CurrentBundle, logger: Logger) async {
        do {
            if let saved = try await refresh(using: client, config: config), current.take(saved) {
                logger.notice("took a newer bundle from the upstream", metadata: ["counter": "\(saved.counter)"])
            }
        } catch {
            // The forwarder says when the upstream is away; a refused bundle is worth a line.
            if error is BundleError { logger.warning("the upstream served a bundle this edge refuses", metadata: ["reason": "\(error)"]) }
        }
    }

    /// Fetches the upstream's bundle and saves it over the one on disk when it is signed by the
    /// pinned organisation and its counter is higher. Returns the bundle saved, nil if none.
    static func refresh(using client: UpstreamClient, config: RelayConfig) async throws -> RecipientBundle? {
        let path = config.path(config.bundle)
        let current = try RecipientBundle.verifySelfSigned(try InputFile.readAll(path: path, limit: 1 << 20))
        let pinned = config.organisationFingerprint.flatMap { Fingerprint(hex: $0) } ?? current.organisation.fingerprint
        let fetched: [UInt8]
        do {
            fetched = try await client.bundle()
        } catch {
            throw ConfigError(UpstreamClient.describe(error))
        }
        let bundle = try RecipientBundle.verify(fetched, pinned: pinned, counters: nil)
        guard bundle.counter > current.counter else { return nil }
        try AtomicFile.write(fetched, to: path, replaceExisting: true)
        return bundle
    }
}
