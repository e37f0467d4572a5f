import ArgumentParser
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#endif

/// The outgoing folder's addressing file: `ID.mailbox` beside `ID.seal`, holding
/// `{"mailbox":"...","v":1}`.
enum OutgoingReply {
    static let maxAddressSize = 4096

    struct Address: Codable {
        var mailbox: String
        var v: Int
    }

    static func addressPath(for envelope: String) -> String {
        String(envelope.dropLast(".seal".count)) + ".mailbox"
    }

    static func writeAddress(mailbox: String, for envelope: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(Address(mailbox: mailbox, v: 1))) + [0x0A]
        try AtomicFile.write(bytes, to: addressPath(for: envelope), mode: 0o600, replaceExisting: true)
    }

    /// The mailbox id in an addressing file, checked.
    static func readAddress(_ path: String) throws -> String {
        let bytes = try InputFile.readAll(path: path, limit: maxAddressSize)
        guard let address = try? JSONDecoder().decode(Address.self, from: Data(bytes)) else {
            throw CLIError("\(path) is not an addressing file ({\"mailbox\":...,\"v\":1})")
        }
        guard address.v == 1 else { throw CLIError("\(path) has version \(address.v); this seal knows version 1") }
        guard ReplyEnvelope.isValidMailboxID(address.mailbox) else {
            throw CLIError("\(path) does not hold a mailbox id (22 base64url characters)")
        }
        return address.mailbox
    }
}
