import ArgumentParser
import Foundation
import SealCore

/// The relay keys receipts are checked against (docs/API.md "Receipts"): those a verified
/// bundle lists, and any `relay.pub` given directly. Neither given means receipts are
/// `unchecked`, never `verified`.
struct EvidenceOptions: ParsableArguments {
    @Option(name: .customLong("relay-key"),
            help: "A relay's public key (STATEDIR/relay.pub) to check receipts against (repeatable).")
    var relayKeyFiles: [String] = []

    /// Nil when no relay key was given.
    func relayKeys(bundleKeys: [[UInt8]]? = nil) throws -> [[UInt8]]? {
        var keys = bundleKeys ?? []
        for path in relayKeyFiles { keys.append(try Self.readRelayPublicKey(path: path)) }
        return bundleKeys == nil && relayKeyFiles.isEmpty ? nil : keys
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
