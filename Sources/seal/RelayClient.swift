import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SealAPI
import SealCore

/// The relay's HTTP API v1 (docs/API.md) as the CLI uses it.
///
/// What it sends: the request line, `Host`, `User-Agent: seal` (fixed, never the system or
/// a version), `Content-Type`/`Content-Length` on uploads, on reviewer routes the two
/// RFC 9421 signature headers, and on mailbox routes `Mailbox-Secret`. No cookies are
/// kept, no redirect is followed (a relay cannot bounce a source to another host or to
/// plain HTTP), and responses are never decompressed.
final class RelayClient: Sendable {
    let endpoint: RelayEndpoint
    let proxy: RelayProxy?
    let caPath: String?
    private let eventLoop: any EventLoop
    private let http: HTTPClient

    /// Direct connections: a relay that does not answer within this fails fast (and a TLS
    /// handshake that fails is reported at once, not after retries).
    static let directConnectTimeout = TimeAmount.seconds(5)
    /// Through Tor, the SOCKS reply waits for a circuit to the relay (often 5-30 s for an
    /// onion service), and AsyncHTTPClient counts that as part of connecting.
    static let proxiedConnectTimeout = TimeAmount.seconds(90)
    /// Longest silence while waiting for an answer: after the last upload byte the relay
    /// still has to fsync the envelope before it answers 202.
    static let readTimeout = TimeAmount.seconds(120)
    /// Longest time the relay may refuse to take more upload bytes (AsyncHTTPClient's own
    /// write timeout only measures our idleness; `FileUploadBody.watch` measures the relay's).
    static let writeTimeout = TimeAmount.seconds(120)
    static func stallLimitSeconds(proxied: Bool) -> Int { proxied ? 180 : 120 }

    static let maxBundleSize = 1 << 20
    static let maxJSONSize = 8 << 20
    static let maxErrorSize = 16 << 10

    private init(endpoint: RelayEndpoint, proxy: RelayProxy?, caPath: String?, eventLoop: any EventLoop, http: HTTPClient) {
        self.endpoint = endpoint
        self.proxy = proxy
        self.caPath = caPath
        self.eventLoop = eventLoop
        self.http = http
    }

    /// Runs `body` with a client and shuts the client down afterwards, on every path.
    static func with<T>(_ options: RelayOptions, _ body: (RelayClient) async throws -> T) async throws -> T {
        let endpoint = try options.endpoint()
        let proxy = try options.proxySetting()
        var configuration = HTTPClient.Configuration()
        if endpoint.scheme == .https {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv13
            tls.shutdownTimeout = .seconds(1)
            if let ca = options.ca {
                let certificates: [NIOSSLCertificate]
                do {
                    certificates = try NIOSSLCertificate.fromPEMFile(ca)
                } catch {
                    throw CLIError("--ca \(ca): cannot read a PEM certificate from it")
                }
                guard !certificates.isEmpty else { throw CLIError("--ca \(ca): the file holds no PEM certificate") }
                tls.trustRoots = .certificates(certificates)
            }
            configuration.tlsConfiguration = tls
        }
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.httpVersion = .http1Only
        configuration.timeout = HTTPClient.Configuration.Timeout(
            connect: proxy == nil ? directConnectTimeout : proxiedConnectTimeout,
            read: readTimeout, write: writeTimeout)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.idleTimeout = .seconds(30)
        if let proxy { configuration.proxy = .socksServer(host: proxy.host, port: proxy.port) }

        // One event loop for all connections: uploads pace themselves against it
        // (FileUploadBody), and a CLI talking to one relay needs no more.
        let eventLoop = HTTPClient.defaultEventLoopGroup.next()
        let http = HTTPClient(eventLoopGroup: eventLoop, configuration: configuration)
        let client = RelayClient(endpoint: endpoint, proxy: proxy, caPath: options.ca, eventLoop: eventLoop, http: http)
        let result: T
        do {
            result = try await body(client)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        return result
    }

    // MARK: routes

    /// `GET /v1/bundle`: the bundle file as the organisation signed it (verified by the caller).
    func bundle() async throws -> [UInt8] {
        let response = try await send(request("GET", "/v1/bundle"))
        guard response.status == .ok else {
            throw try await failure(response, doing: "serve its recipient bundle")
        }
        return try await transport { try await Array(buffer: response.body.collect(upTo: Self.maxBundleSize)) }
    }

    /// The relay's bundle, verified against the pinned organisation fingerprint (and the
    /// counter store): a relay that serves anything else is not the organisation's.
    func verifiedBundle(pinned: Fingerprint) async throws -> RecipientBundle {
        let bytes = try await bundle()
        do {
            let bundle = try RecipientBundle.verify(bytes, pinned: pinned, counters: .standard())
            KnownBundles.standard().keep(bundle)
            return bundle
        } catch let error as BundleError {
            throw CLIError("the relay's \(error)")
        }
    }

    /// `POST /v1/reports`: uploads one envelope, streamed from its file, and checks that the
    /// receipt names exactly the bytes that were sent. Returns the receipt.
    ///
    /// The write is paid for with proof of work: the relay's current challenge is solved on
    /// every core first; if the relay refuses the token anyway (it expired while a slow
    /// machine worked, or the price rose), the fresh challenge in its refusal is solved and
    /// the report sent once more.
    func submit(envelope path: String, progressLabel: String?) async throws -> Receipt {
        var offer = try await proofOfWorkOffer()
        for attempt in 1...2 {
            var post = request("POST", "/v1/reports")
            if let offer {
                post.headers.add(name: RelayHeader.proofOfWork, value: try await ProofOfWorkSolver.solve(offer).header)
            }
            do {
                return try await upload(envelope: path, request: post, what: "report", progressLabel: progressLabel)
            } catch let refusal as RelayRefusal where refusal.code == .powRequired && attempt == 1 && refusal.pow != nil {
                offer = refusal.pow
            }
        }
        throw CLIError("\(endpoint.origin) refused the proof of work twice; try again later")
    }

    /// `GET /v1/pow`: the relay's current proof-of-work challenge; nil from a relay that asks
    /// for none (one older than proof of work answers 404).
    func proofOfWorkOffer() async throws -> PoWOffer? {
        let response = try await send(request("GET", "/v1/pow"))
        if response.status == .notFound { return nil }
        guard response.status == .ok else { throw try await failure(response, doing: "give a proof-of-work challenge") }
        let body = try await transport { try await response.body.collect(upTo: Self.maxErrorSize) }
        guard let offer = try? RelayJSON.decode(PoWOffer.self, from: body.readableBytesView), offer.parsedChallenge != nil else {
            throw CLIError("\(endpoint.origin) answered /v1/pow with something that is not a proof-of-work challenge")
        }
        return offer
    }

    /// `POST /v1/replies/{mailbox}`, signed with the reviewer's fetch credential: uploads one
    /// reply envelope for the source whose mailbox this is. Returns the checked receipt.
    func pushReply(envelope path: String, mailbox: String, key: SigningKey, progressLabel: String?) async throws -> EnvelopeID {
        guard let mailbox = MailboxID(mailbox) else { throw CLIError("\(mailbox) is not a mailbox id") }
        // The signature covers the body through its digest, so the file is read twice:
        // once to hash it here, once to send it.
        let digest = try ContentDigest.header(ofFile: path)
        return try await upload(envelope: path, request: signed("POST", "/v1/replies/\(mailbox)", key: key, contentDigest: digest),
                                what: "reply", progressLabel: progressLabel).receipt
    }

    /// Streams the envelope at `path` as the body of `request` and checks that the 202's
    /// receipt names exactly the bytes that were sent.
    private func upload(envelope path: String, request base: HTTPClientRequest, what: String,
                        progressLabel: String?) async throws -> Receipt {
        let size = try InputFile(path: path).size()
        let upload = FileUploadBody(path: path, length: size, progressLabel: progressLabel, eventLoop: eventLoop)
        var request = base
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(upload, length: .known(Int64(size)))  // sets Content-Length
        let post = request
        let stallLimit = Self.stallLimitSeconds(proxied: proxy != nil)
        let response: HTTPClientResponse
        do {
            response = try await withThrowingTaskGroup(of: HTTPClientResponse?.self) { group in
                group.addTask { try await self.send(post, transfer: true) }
                group.addTask {
                    try await upload.watch(stallLimit: .seconds(stallLimit))
                    return nil
                }
                while let next = try await group.next() {
                    if let response = next {
                        group.cancelAll()
                        return response
                    }
                }
                throw CLIError("internal error: the upload ended without a response")
            }
        } catch is FileUploadBody.Stalled {
            throw RelayTransportError(
                description: "\(endpoint.hostDisplay) stopped taking the upload for \(stallLimit) s; gave up (nothing was confirmed)")
        }
        guard response.status == .accepted else {
            throw try await failure(response, doing: "accept the \(what)")
        }
        let body = try await transport { try await response.body.collect(upTo: Self.maxErrorSize) }
        guard let answer = try? RelayJSON.decode(Receipt.self, from: body.readableBytesView) else { throw CLIError("\(endpoint.origin) answered 202 without a readable receipt: the \(what) may not have been stored") }
        guard let sent = upload.sent.id else {
            throw CLIError("\(endpoint.origin) answered before the whole \(what) was sent: the \(what) was not stored")
        }
        let receipt = answer.receipt
        guard receipt == sent else {
            throw CLIError("the relay's receipt \(receipt) does not match the \(what) sent (\(sent)): the relay did not store what was sent")
        }
        // A relay older than signed receipts answers with the id alone (docs/API.md).
        return answer
    }

    struct InboxEntry: Sendable, Equatable {
        let id: EnvelopeID
        let size: Int
    }

    struct Inbox: Sendable {
        var entries: [InboxEntry] = []
        /// Entries that cannot be fetched safely (an id that is not an envelope id could
        /// name any file), each described in one line.
        var refused: [String] = []
    }

    /// `GET /v1/inbox`, signed: what is queued for this reviewer. Entries the relay repeats
    /// are listed once.
    func inbox(key: SigningKey) async throws -> Inbox {
        let response = try await send(try signed("GET", "/v1/inbox", key: key))
        guard response.status == .ok else { throw try await failure(response, doing: "list the inbox") }
        let body = try await transport { try await response.body.collect(upTo: Self.maxJSONSize) }
        guard let listing = try? RelayJSON.decode(InboxListing.self, from: body.readableBytesView) else {
            throw CLIError("\(endpoint.origin) sent an inbox listing that is not {\"envelopes\":[{\"id\",\"size\"}...]}")
        }
        return Self.entries(listing.envelopes)
    }

    /// Checked, deduplicated entries of a listing: an id that is not an envelope id could
    /// name any file, so it is refused.
    private static func entries(_ listed: [ListedEnvelope]) -> Inbox {
        var seen = Set<EnvelopeID>()
        var inbox = Inbox()
        for entry in listed {
            guard let id = EnvelopeID(entry.id) else {
                inbox.refused.append("the relay listed \"\(UntrustedText.line(String(entry.id.prefix(80))))\", which is not an envelope id (22 base64url characters); skipped")
                continue
            }
            guard entry.size >= 0 else {
                inbox.refused.append("\(id): the relay listed it with a negative size; skipped")
                continue
            }
            if seen.insert(id).inserted { inbox.entries.append(InboxEntry(id: id, size: entry.size)) }
        }
        return inbox
    }

    /// `stored` carries the relay's `Seal-Receipt` header, when it sent one (docs/API.md).
    enum DownloadOutcome { case stored(receiptHeader: String?), gone }

    /// `GET /v1/inbox/{id}`, signed: streams the envelope into `path` through an
    /// `AtomicFile`, and lets it appear under `path` (synced) only if it has exactly the
    /// listed size and its bytes hash to `id`. Otherwise nothing is left behind.
    func download(_ entry: InboxEntry, key: SigningKey, to path: String,
                  progress: ((Int, Int) -> Void)?) async throws -> DownloadOutcome {
        try await download(entry, request: signed("GET", "/v1/inbox/\(entry.id)", key: key), to: path, progress: progress)
    }

    /// `GET /v1/mailbox`, with the mailbox secret: the replies waiting for a source. A
    /// mailbox nobody wrote to answers like an empty one, by design.
    func mailbox(secrets: CodenameSecrets) async throws -> Inbox {
        let response = try await send(mailboxRequest("/v1/mailbox", secrets: secrets))
        guard response.status == .ok else { throw try await failure(response, doing: "list the replies") }
        let body = try await transport { try await response.body.collect(upTo: Self.maxJSONSize) }
        guard let listing = try? RelayJSON.decode(MailboxListing.self, from: body.readableBytesView) else {
            throw CLIError("\(endpoint.origin) sent a reply listing that is not {\"replies\":[{\"id\",\"size\"}...]}")
        }
        return Self.entries(listing.replies)
    }

    /// `GET /v1/mailbox/{id}`, with the mailbox secret: one reply, checked as `download` checks.
    func downloadReply(_ entry: InboxEntry, secrets: CodenameSecrets, to path: String,
                       progress: ((Int, Int) -> Void)?) async throws -> DownloadOutcome {
        try await download(entry, request: mailboxRequest("/v1/mailbox/\(entry.id)", secrets: secrets), to: path,
                           progress: progress)
    }

    private func mailboxRequest(_ route: String, secrets: CodenameSecrets) -> HTTPClientRequest {
        var request = request("GET", route)
        request.headers.add(name: RelayHeader.mailboxSecret, value: secrets.mailboxSecretBase64URL)
        return request
    }

    /// Streams the envelope `request` answers with into `path` (see above).
    private func download(_ entry: InboxEntry, request: HTTPClientRequest, to path: String,
                          progress: ((Int, Int) -> Void)?) async throws -> DownloadOutcome {
        let response = try await send(request, transfer: true)
        guard response.status == .ok else {
            let refusal = try await failure(response, doing: "send envelope \(entry.id)")
            if refusal.code == .notFound { return .gone }
            throw refusal
        }
        let output = try AtomicFile(path: path, mode: 0o600)
        var hasher = EnvelopeHasher()
        try await transport {
            for try await buffer in response.body {
                guard hasher.count + buffer.readableBytes <= entry.size else {
                    throw CLIError("the relay sent more than the \(entry.size) bytes it listed; discarded")
                }
                try buffer.withUnsafeReadableBytes { raw in
                    try output.write(raw)
                    hasher.update(raw)
                }
                progress?(hasher.count, entry.size)
            }
        }
        guard hasher.count == entry.size else {
            throw CLIError("the relay sent \(hasher.count) of the \(entry.size) bytes it listed; discarded")
        }
        let received = hasher.id()
        guard received == entry.id else {
            throw CLIError("the bytes received hash to \(received), not to their id; discarded")
        }
        try output.commit()
        return .stored(receiptHeader: response.headers.first(name: RelayHeader.receipt))
    }

    /// `DELETE /v1/inbox/{id}`, signed: this reviewer has the envelope safely. A 404 means
    /// the relay no longer holds it for us, which is the state we asked for.
    func acknowledge(_ id: EnvelopeID, key: SigningKey) async throws {
        let response = try await send(try signed("DELETE", "/v1/inbox/\(id)", key: key))
        guard response.status == .noContent else {
            let refusal = try await failure(response, doing: "acknowledge envelope \(id)")
            guard refusal.code == .notFound else { throw refusal }
            return
        }
    }

    // MARK: plumbing

    private func request(_ method: String, _ route: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.url(route))
        request.method = HTTPMethod(rawValue: method)
        request.headers.replaceOrAdd(name: "User-Agent", value: "seal")
        return request
    }

    /// A reviewer request with its own fresh signature (new nonce and timestamp): a
    /// signature is never reused, not even for a retry. It covers the method, the
    /// authority (sent as `Host` exactly as signed), the path and, for a body, its digest.
    private func signed(_ method: String, _ route: String, key: SigningKey, contentDigest: String? = nil) throws -> HTTPClientRequest {
        var request = request(method, route)
        let parts = SignedRequest(method: method, authority: endpoint.hostDisplay, path: endpoint.requestPath(route),
                                  contentDigest: contentDigest)
        let (input, signature) = try HTTPMessageSignature.sign(parts, with: key)
        request.headers.replaceOrAdd(name: "Host", value: parts.authority)
        if let contentDigest { request.headers.add(name: RelayHeader.contentDigest, value: contentDigest) }
        request.headers.add(name: RelayHeader.signatureInput, value: input)
        request.headers.add(name: RelayHeader.signature, value: signature)
        return request
    }

    /// Small exchanges (bundle, inbox listing, acknowledgement) must finish within this;
    /// envelope transfers have no overall deadline (a 1 GiB upload over Tor takes hours)
    /// and rely on the idle read and write timeouts instead.
    private var smallExchangeDeadline: TimeAmount { proxy == nil ? .seconds(30) : .seconds(120) }

    private func send(_ request: HTTPClientRequest, transfer: Bool = false) async throws -> HTTPClientResponse {
        let deadline: NIODeadline = transfer ? .distantFuture : .now() + smallExchangeDeadline
        return try await transport { try await http.execute(request, deadline: deadline) }
    }

    /// Runs network work and turns transport errors into one line the person can act on.
    @discardableResult
    private func transport<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as CLIError {
            throw error
        } catch let error as RelayTransportError {
            throw error
        } catch let error as FileError {
            throw error
        } catch {
            throw RelayTransportError(describing: error, endpoint: endpoint, proxy: proxy, caPath: caPath)
        }
    }

    /// A refusal from the relay: its code (SealAPI's `RelayErrorCode`, which decides what
    /// the CLI does), its one line (cleaned of anything a terminal would interpret), and a
    /// hint for the codes a person can do something about.
    private func failure(_ response: HTTPClientResponse, doing what: String) async throws -> RelayRefusal {
        let body = try? await response.body.collect(upTo: Self.maxErrorSize)
        let refusal = body.flatMap { try? RelayJSON.decode(RelayErrorBody.self, from: $0.readableBytesView) }
        let status = Int(response.status.code)
        var line = "\(endpoint.origin) did not \(what) (HTTP \(status)\(refusal.map { ": \(UntrustedText.line($0.error))" } ?? ""))"
        switch refusal?.code {
        case .unauthorized?: line += "; check that the relay lists this fetch credential"
        case .signatureExpired?: line += "; check that this machine's clock is right"
        case .tooLarge?: line += "; the relay does not take envelopes this large"
        case .spoolFull?, .storageFailed?: line += "; the relay is full, try again later"
        case .tooManyUploads?: line += "; try again later"
        case .digestMismatch?: line += "; the envelope changed while it was sent"
        default: break
        }
        return RelayRefusal(status: status, code: refusal?.code, pow: refusal?.pow, description: line)
    }
}
