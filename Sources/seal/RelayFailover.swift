import Foundation
import SealCore

/// The relays `seal submit` and `seal check` try, in order (README.md "Several relays"): the
/// `--relay` given first, then the relays of the bundle the organisation signed: `--bundle`,
/// or else the last bundle `seal` verified for the pinned organisation (`KnownBundles`). A
/// relay that cannot be reached, fails TLS, or answers 5xx is skipped with a note; any other
/// answer (a refusal, a bad bundle) is the relay speaking, and stops the run.
struct RelayFailover {
    let options: RelayOptions
    let relays: [String]

    /// - Parameter bundle: a bundle file whose relays follow `--relay`; verified against
    ///   the pinned organisation (and the counter store) before any of them is used.
    init(options: RelayOptions, bundle path: String?, pinned: Fingerprint) throws {
        self.options = options
        let known = KnownBundles.standard()
        let bundle: RecipientBundle?
        if let path {
            do {
                bundle = try RecipientBundle.verify(path: path, pinned: pinned, counters: .standard())
            } catch {
                throw CLIError("--bundle \(path): \(error)")
            }
            bundle.map(known.keep)
        } else {
            do {
                bundle = try known.bundle(of: pinned)
            } catch where options.relay != nil {
                Terminal.warn("\(error); trying --relay alone")
                bundle = nil
            }
        }
        var relays = options.relay.map { [$0] } ?? []
        for url in bundle?.relays ?? [] where !relays.contains(url) {
            if (try? RelayEndpoint(parsing: url)) != nil {
                relays.append(url)
            } else {
                Terminal.warn("the bundle's relay \(UntrustedText.line(url, limit: 200)) is not a usable address; skipped")
            }
        }
        guard !relays.isEmpty else {
            throw CLIError("""
                no relay to try: give --relay URL or --bundle FILE (the organisation's signed bundle); \
                seal has kept no bundle of this organisation yet
                """)
        }
        self.relays = relays
    }

    /// Whether the next relay should be tried after `error`: nothing was said by this relay.
    static func movesOn(_ error: any Error) -> Bool {
        if error is RelayTransportError { return true }
        if let refusal = error as? RelayRefusal { return refusal.status >= 500 }
        return false
    }

    /// Runs `body` against each relay in turn until one completes. Returns its result and
    /// the relay that gave it.
    func run<T>(_ body: (RelayClient) async throws -> T) async throws -> (result: T, relay: String) {
        var lastError: (any Error)?
        for (index, relay) in relays.enumerated() {
            var attempt = options
            attempt.relay = relay
            do {
                return (try await RelayClient.with(attempt, body), relay)
            } catch where Self.movesOn(error) && index < relays.count - 1 {
                Terminal.note("\(relay): \(error); trying the next relay")
                lastError = error
            }
        }
        throw lastError ?? CLIError("no relay to try")
    }
}
