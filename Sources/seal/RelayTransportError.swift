import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import SealCore

/// The connection itself failed: nothing was said by the relay, and later requests in the
/// same run will most likely fail the same way.
struct RelayTransportError: Error, CustomStringConvertible {
    let description: String

    init(description: String) { self.description = description }

    init(describing error: any Error, endpoint: RelayEndpoint, proxy: RelayProxy?, caPath: String?) {
        let host = endpoint.hostDisplay
        let via = proxy.map { " through the proxy \($0.display)" } ?? ""
        let text = String(describing: error)
        let type = String(reflecting: Swift.type(of: error))
        if let ssl = error as? NIOSSLError, case .handshakeFailed(let inner) = ssl {
            let detail = String(describing: inner)
            if detail.contains("CERTIFICATE_VERIFY_FAILED") || detail.localizedCaseInsensitiveContains("certificate") {
                let hint = caPath.map { "it is not signed by --ca \($0), or does not name \(endpoint.host)" }
                    ?? "use --ca with the relay's certificate if it is self-signed"
                description = "TLS handshake with \(host) failed: the certificate is not trusted (\(hint))"
            } else if detail.contains("PROTOCOL_VERSION") || detail.contains("UNSUPPORTED_PROTOCOL") {
                description = "TLS handshake with \(host) failed: the relay does not offer TLS 1.3"
            } else if detail.contains("WRONG_VERSION_NUMBER") {
                description = "TLS handshake with \(host) failed: it does not answer in TLS (is it an http:// address?)"
            } else {
                description = "TLS handshake with \(host) failed: \(Self.boringSSLReason(detail))"
            }
        } else if let ssl = error as? NIOSSLExtraError, ssl == .failedToValidateHostname {
            description = "TLS handshake with \(host) failed: the certificate does not name \(endpoint.host)"
        } else if error is NIOSSLError {
            description = "TLS connection to \(host) failed: \(UntrustedText.line(text))"
        } else if let http = error as? HTTPClientError {
            switch http {
            case .connectTimeout, .getConnectionFromPoolTimeout:
                description = "cannot connect to \(host)\(via): no answer in time"
            case .tlsHandshakeTimeout:
                description = "TLS handshake with \(host) timed out"
            case .socksHandshakeTimeout:
                description = "the SOCKS proxy \(proxy?.display ?? "") did not reach \(host) in time (is Tor running and connected?)"
            case .readTimeout, .deadlineExceeded:
                description = "\(host)\(via) stopped answering (timed out)"
            case .writeTimeout:
                description = "\(host) stopped taking data (write timeout)"
            case .remoteConnectionClosed:
                description = "\(host) closed the connection before answering"
            default:
                description = "connection to \(host)\(via) failed: \(UntrustedText.line(text))"
            }
        } else if type.contains("TooManyBytes") {
            description = "\(host) sent a much longer answer than this request can have"
        } else if type.contains("SOCKS") {
            description = "the SOCKS proxy \(proxy?.display ?? "") could not connect to \(host): \(Self.socksReason(text))"
        } else if let io = error as? IOError {
            description = "connection to \(host)\(via) failed: \(String(cString: strerror(io.errnoCode)))"
        } else if type.hasSuffix("NIOConnectionError") || error is ChannelError {
            let target = proxy.map { "the SOCKS proxy \($0.display)" } ?? host
            if text.contains("refused") || text.contains("errno: 111") {
                description = "cannot connect to \(target): connection refused"
            } else {
                description = "cannot connect to \(target): \(UntrustedText.line(text))"
            }
        } else {
            description = "connection to \(host)\(via) failed: \(UntrustedText.line(text))"
        }
    }
}

extension RelayTransportError {
    /// NIOSOCKS describes a refusal as "ConnectionFailed(reply: SOCKSServerReply(value: 4))";
    /// RFC 1928 §6 names the codes.
    static func socksReason(_ text: String) -> String {
        let names = [1: "general failure", 2: "not allowed by the proxy's rules", 3: "network unreachable",
                     4: "host unreachable (for Tor: the onion service is unknown or offline)",
                     5: "connection refused", 6: "timed out", 7: "command not supported",
                     8: "address type not supported"]
        if let range = text.range(of: #"value: (\d+)"#, options: .regularExpression),
           let code = Int(text[range].dropFirst("value: ".count)) {
            return names[code].map { "\($0) (SOCKS reply \(code))" } ?? "SOCKS reply \(code)"
        }
        return UntrustedText.line(text)
    }

    /// "error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at FILE:LINE" ->
    /// "WRONG_VERSION_NUMBER": the part a person can search for, without build paths.
    static func boringSSLReason(_ detail: String) -> String {
        let reasons = detail.split(separator: "OPENSSL_internal:").dropFirst().compactMap { part in
            part.split(separator: " ").first.map { String($0) }
        }
        return reasons.isEmpty ? UntrustedText.line(detail) : reasons.joined(separator: ", ")
    }
}
