import Crypto
import Foundation
import SwiftASN1
import X509

/// A self-signed TLS certificate made in-process (no openssl binary), for relays without a
/// CA-issued one. Sources then pin it with `seal --ca`. It has no KeyUsage extension: with
/// one lacking keyCertSign, BoringSSL refuses it even as a pinned root.
public enum SelfSignedCertificate {
    public static func make(hostname: String, validDays: Int = 825) throws -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(hostname) }
        var sans: [GeneralName] = [.dnsName(hostname)]
        for address in ["127.0.0.1", "::1"] {
            if let bytes = ipBytes(address) { sans.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))) }
        }
        if let bytes = ipBytes(hostname) { sans.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))) }
        // Day resolution, like every other time this project writes.
        let today = Date(timeIntervalSince1970: floor(Date().timeIntervalSince1970 / 86400) * 86400)
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: today.addingTimeInterval(-86400),
            notValidAfter: today.addingTimeInterval(Double(validDays) * 86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(sans)
            },
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    private static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
