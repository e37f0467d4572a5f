import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOSSL
import SealAPI
import SealCore

/// An edge relay's connection to its upstream (docs/API.md "Relay routes"): forwards spooled
/// envelopes signed with the relay key, fetches the bundle, and passes mailbox reads on.
///
/// What it sends: the request line, `Host`, `User-Agent: sealrelayd` (fixed), the signature
/// headers and `Content-Digest` on forwards, and for a mailbox read the source's
/// `Mailbox-Secret` (which the home needs to find the mailbox, and which the edge does not
/// keep). No redirects, no cookies, no decompression; TLS 1.3 only.
final class UpstreamClient: Sendable {
    /// What the upstream made of one forwarded envelope.
    enum Outcome: Sendable, Equatable {
        /// 202 with a receipt naming exactly this envelope: the edge may delete its copy.
        case stored
        /// The upstream refused this envelope (4xx other than 401): it stays at the edge.
        case refused(status: Int, code: String, message: String)
        /// 401: the upstream does not accept this edge's signature.
        case unauthorized(String)
        /// 5xx, 507 or no answer: the upstream is away or full; try again later.
        case unavailable(String)
    }

    let endpoint: UpstreamEndpoint
    let key: SigningKey
    private let http: HTTPClient
    private let eventLoop: any EventLoop

    static let maxAnswer = 64 << 10
    static let maxBundle = 1 << 20

    init(endpoint: UpstreamEndpoint, caPath: String?, proxy: SOCKSProxy?, key: SigningKey) throws {
        self.endpoint = endpoint
        self.key = key
        var configuration = HTTPClient.Configuration()
        if endpoint.scheme == "https" {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv13
            tls.shutdownTimeout = .seconds(1)
            if let caPath {
                let certificates = (try? NIOSSLCertificate.fromPEMFile(caPath)) ?? []
                guard !certificates.isEmpty else { throw ConfigError("upstream_ca \(caPath) holds no PEM certificate") }
                tls.trustRoots = .certificates(certificates)
            }
            configuration.tlsConfiguration = tls
        }
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.httpVersion = .http1Only
        // A TLS failure shows only when the connect timeout expires (docs/ARCHITECTURE.md):
        // keep it short unless Tor has to build a circuit first.
        configuration.timeout = .init(connect: .seconds(proxy == nil ? 10 : 90), read: .seconds(120), write: .seconds(120))
        configuration.connectionPool.retryConnectionEstablishment = false
        if let proxy { configuration.proxy = .socksServer(host: proxy.host, port: proxy.port) }
        let loop = HTTPClient.defaultEventLoopGroup.next()
        self.eventLoop = loop
        self.http = HTTPClient(eventLoopGroup: loop, configuration: configuration)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    private func request(_ method: HTTPMethod, _ route: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.url(route))
        request.method = method
        request.headers.add(name: "User-Agent", value: "sealrelayd")
        return request
    }

    /// `POST /v1/relay/envelopes`: one spooled envelope, streamed from its file, signed with
    /// the relay key over method, authority, path and the body's digest.
    func forward(path: String, id: EnvelopeID, size: Int, digest: [UInt8]) async -> Outcome {
        let route = "/v1/" + RelayForwardController.route
        var request = request(.POST, route)
        let contentDigest = ContentDigest.header(sha256: digest)
        do {
            let parts = SignedRequest(method: "POST", authority: endpoint.authority, path: endpoint.basePath + route,
                                      contentDigest: contentDigest)
            let (input, signature) = try HTTPMessageSignature.sign(parts, with: key, keyID: HTTPMessageSignature.relayKeyID(key))
            request.headers.add(name: RelayHeader.signatureInput, value: input)
            request.headers.add(name: RelayHeader.signature, value: signature)
            request.headers.add(name: RelayHeader.contentDigest, value: contentDigest)
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.body = .stream(EnvelopeFileBody(path: path, id: id, length: size, eventLoop: eventLoop),
                                   length: .known(Int64(size)))
            // Read and write timeouts catch a stall; this only bounds the whole of a very large
            // envelope on a slow link (1 GiB at 64 KiB/s takes under five hours).
            let response = try await http.execute(request, timeout: .hours(6))
            let body = try await response.body.collect(upTo: Self.maxAnswer)
            let status = Int(response.status.code)
            if status == 202 {
                guard let receipt = try? RelayJSON.decode(Receipt.self, from: body.readableBytesView).receipt, receipt == id else {
                    return .unavailable("the upstream answered 202 with a receipt for other bytes")
                }
                return .stored
            }
            let refusal = try? RelayJSON.decode(RelayErrorBody.self, from: body.readableBytesView)
            let code = refusal?.code.rawValue ?? "http_\(status)"
            let message = UntrustedText.line(refusal?.error ?? "", limit: 200)
            switch status {
            case 401: return .unauthorized(message)
            case 400..<500 where status != 408 && status != 429: return .refused(status: status, code: code, message: message)
            default: return .unavailable("HTTP \(status) \(code)")
            }
        } catch {
            return .unavailable(Self.describe(error))
        }
    }

    /// `GET /v1/bundle`, as the organisation signed it (the caller verifies it).
    func bundle() async throws -> [UInt8] {
        let response = try await http.execute(request(.GET, "/v1/bundle"), timeout: .seconds(60))
        guard response.status == .ok else { throw ConfigError("the upstream answered \(response.status.code) for its bundle") }
        return Array(buffer: try await response.body.collect(upTo: Self.maxBundle))
    }

    /// The upstream's answer to a mailbox read, its body streamed through.
    struct Answer: Sendable {
        let status: Int
        let contentType: String?
        let body: ResponseBody
    }

    /// A mailbox read passed upstream at request time. The body is not collected: a reply
    /// passes through in the blocks it arrives in.
    func mailbox(route: String, secret: String) async throws -> Answer {
        var request = request(.GET, route)
        request.headers.add(name: RelayHeader.mailboxSecret, value: secret)
        let response = try await http.execute(request, timeout: .seconds(120))
        return Answer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                      body: ResponseBody(asyncSequence: response.body))
    }

    /// One line for the log, naming no one: the upstream's address is the operator's own.
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            if e == .connectTimeout { return "no connection to the upstream (timeout, or a TLS handshake that failed)" }
            return "HTTP client: \(e)"
        }
        if let e = error as? NIOSSLError { return "TLS: \(e)" }
        if error is EnvelopeFileBody.Changed { return "\(error)" }
        return "\(type(of: error)): \(error)"
    }
}
