import ArgumentParser
import Foundation
import SealCore

/// The relay keys receipts are checked against (docs/FORMAT.md §8): those the
/// organisation's bundle lists (`relay_keys`, checked against the pinned fingerprint), and
/// any `relay.pub` given directly. None given means receipts are `unchecked`, never
/// `verified`.
struct EvidenceOptions: ParsableArguments {
    @Option(help: "The organisation's bundle: its relay_keys are the relays whose receipts count.")
    var bundle: String?
    @Option(name: .customLong("org-fingerprint"), help: "The organisation's fingerprint (64 hex), to check --bundle.")
    var orgFingerprint: String?
    @Option(name: .customLong("relay-key"),
            help: "A relay's public key (STATEDIR/relay.pub) to check receipts against (repeatable).")
    var relayKeyFiles: [String] = []

    func validate() throws {
        if (bundle == nil) != (orgFingerprint == nil) {
            throw ValidationError("--bundle and --org-fingerprint go together: the bundle is trusted only once its signer is pinned")
        }
    }

    /// Nil when no relay key was given (and a bundle that lists none adds none).
    func relayKeys() throws -> [[UInt8]]? {
        var keys: [[UInt8]] = []
        if let bundle, let orgFingerprint {
            guard let pinned = Fingerprint(hex: orgFingerprint) else { throw CLIError(BundleError.invalidFingerprint.description) }
            let verified: RecipientBundle
            do {
                verified = try RecipientBundle.verify(path: bundle, pinned: pinned, counters: nil)
            } catch let error as BundleError {
                throw CLIError("\(bundle): \(error)")
            }
            if verified.relayKeys.isEmpty {
                Terminal.warn("\(bundle) lists no relay keys (seal org bundle --relay-key): it cannot check receipts")
            }
            keys += verified.relayKeys
        }
        for path in relayKeyFiles { keys.append(try Self.readRelayPublicKey(path: path)) }
        return keys.isEmpty ? nil : keys
    }

    /// Reads `relay.pub`: `{"type":"sealrelay-relay-public","v":1,"ed25519":PK32}`.
    static func readRelayPublicKey(path: String) throws -> [UInt8] {
        let bytes = try InputFile.readAll(path: path, limit: 64 << 10)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              object["type"] as? String == "sealrelay-relay-public", object["v"] as? Int == 1,
              let text = object["ed25519"] as? String, let key = Base64URL.decode(text, count: 32),
              (try? VerifyingKey(publicKey: key)) != nil
        else { throw CLIError("\(path) is not a relay public key (relay.pub, written by sealrelayd init)") }
        return key
    }
}
