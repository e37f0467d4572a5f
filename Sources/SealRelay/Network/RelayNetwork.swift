import Hummingbird
import Logging
import SealCore
import ServiceLifecycle

/// Where the relay network (docs/ARCHITECTURE.md "Relay network") plugs into a relay: the
/// forwarding route every relay serves to its allowed edges, an edge's mailbox reads passed
/// upstream, and an edge's forwarder.
extension Relay {
    /// An edge's connection to its upstream, shared by the forwarder (which owns it and shuts
    /// it down) and the mailbox proxy; nil at a home relay.
    func makeUpstream() throws -> UpstreamClient? {
        guard config.role == .edge, let upstream = config.upstream else { return nil }
        return try UpstreamClient(endpoint: upstream, caPath: config.upstreamCA.map(config.path),
                                  proxy: config.upstreamProxy, key: RelayKey.load(stateDirectory: config.directory))
    }

    /// `POST /v1/relay/envelopes` behind the edges' signature check. With no `edge =` lines
    /// every request to it gets the same 401 as a bad signature.
    func addRelayRoutes(to router: Router<RelayRequestContext>, intake: EnvelopeIntake) throws {
        let edges = try AllowedEdge.load(paths: config.edges.map(config.path))
        let authenticator = try nonceAuthenticator(credentials: edges, file: "edge-nonces")
        RelayForwardController(bundle: bundle, intake: intake, metrics: metrics)
            .addRoutes(to: router.group("v1").add(middleware: SignatureAuthentication(authenticator: authenticator, metrics: metrics)))
    }

    /// Replies live at the home: an edge answers mailbox reads by asking it, at request time.
    func addMailboxRoutes(to group: RouterGroup<RelayRequestContext>, spool: any EnvelopeStore, fileIO: FileIO, upstream: UpstreamClient?) {
        if let upstream {
            MailboxProxyController(upstream: upstream, logger: logger).addRoutes(to: group)
        } else {
            MailboxController(spool: spool, fileIO: fileIO).addRoutes(to: group)
        }
    }

    /// An edge's forwarder; none at a home relay.
    func networkServices(upstream: UpstreamClient?) -> [any Service] {
        guard let upstream else { return [] }
        let (config, logger, current) = (self.config, self.logger, self.currentBundle)
        return [Forwarder(spool: spool, client: upstream, intervalSeconds: config.forwardIntervalSeconds,
                          threadPool: Self.commitPool, logger: logger) {
            await BundleRefresh.whileRunning(using: upstream, config: config, current: current, logger: logger)
        }]
    }
}
