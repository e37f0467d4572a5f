import SealCore

/// Cover traffic (docs/ARCHITECTURE.md "Decoys"). The page's decoy is an envelope shaped
/// like a short report whose stanzas include one for this kid, which belongs to no key: the
/// 16 ASCII bytes `sealrelay/decoy1`, which the page knows too. Only the relay sees it,
/// inside TLS; on the wire a decoy and a report look alike. A relay with `decoys = on`
/// answers a decoy as it answers a report and keeps nothing of it; one without refuses it,
/// as it always refused a kid its bundle does not list.
enum Decoy {
    static let kid = KeyID(bytes: Array("sealrelay/decoy1".utf8))!  // 16 bytes, a constant
}
