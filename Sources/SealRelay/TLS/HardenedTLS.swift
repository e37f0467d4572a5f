import CTLSHardening
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// TLS for the public listener (SECURITY.md): TLS 1.3 only, and no session tickets or
/// session cache, because resumption lets the relay link two visits by one source.
public enum HardenedTLS {
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func makeContext(certificatePath: String, keyPath: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv13
        // NIOSSL otherwise waits 5 s for a close_notify that may never come (NOTES).
        configuration.shutdownTimeout = .seconds(1)
        let context = try NIOSSLContext(configuration: configuration)
        try disableResumption(context)
        return context
    }

    /// NIOSSL has no setting for this, so reach the `SSL_CTX` it wraps. If its layout ever
    /// changes, refuse to start rather than serve with resumption on.
    static func disableResumption(_ context: NIOSSLContext) throws {
        guard let pointer = Mirror(reflecting: context).children.first(where: { $0.label == "sslContext" })?.value
                as? OpaquePointer
        else { throw SetupError(description: "cannot disable TLS session resumption with this NIOSSL version") }
        let raw = UnsafeMutableRawPointer(pointer)
        _ = CNIOBoringSSL_SSL_CTX_set_options(raw, CTLS_SSL_OP_NO_TICKET)
        _ = CNIOBoringSSL_SSL_CTX_set_session_cache_mode(raw, Int32(CTLS_SSL_SESS_CACHE_OFF))
        guard CNIOBoringSSL_SSL_CTX_set_num_tickets(raw, 0) == 1 else {
            throw SetupError(description: "cannot turn off TLS 1.3 session tickets")
        }
    }

}
