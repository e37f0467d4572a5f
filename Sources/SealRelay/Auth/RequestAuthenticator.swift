import Foundation
import SealAPI
import SealCore

/// Checks signed requests (RFC 9421, docs/API.md "Reviewer routes" and "Relay routes"): a
/// signature over method, authority, path and (with a body) the body's digest, a `created`
/// time inside the window, a nonce never seen before, from a signer this relay knows:
/// reviewers' fetch credentials, or the edge relays allowed to forward here.
///
/// The order of the checks gives nothing away: the time window is checked before the
/// credential is looked up, and an unknown credential is answered exactly like a bad
/// signature (after a verification of the same cost), so nobody can learn which
/// credentials a relay serves.
actor RequestAuthenticator<Signer: RequestSigner> {
    typealias Failure = SignatureFailure

    /// By the `keyid` each signs with.
    let credentials: [String: Signer]
    let window: TimeInterval
    private var nonces: NonceCache
    /// The nonces every node has accepted (PostgreSQL storage); nil with file storage.
    private let shared: (any UsedOnceRecord)?
    /// Verifies signatures from unknown credentials, so they cost what a known one costs.
    private let decoy: VerifyingKey

    /// - Parameters:
    ///   - nonceFile: where used nonces are kept across restarts (nil: memory only).
    ///   - shared: where every node's used nonces are kept (with PostgreSQL storage, which
    ///     then also keeps them across restarts, so `nonceFile` is nil).
    init(credentials: [String: Signer], windowSeconds: Int, nonceFile: String?, shared: (any UsedOnceRecord)? = nil) throws {
        self.credentials = credentials
        self.shared = shared
        self.window = TimeInterval(windowSeconds)
        // A signature lives for two windows (created may be early or late by one); a
        // credential may use 100 a second of them before it is refused (only it).
        self.nonces = NonceCache(path: nonceFile, window: window, capacity: max(1000, 200 * windowSeconds))
        self.decoy = try VerifyingKey(publicKey: SigningKey.generate(.fetchCredential(name: "decoy")).publicKey)
    }

    /// - Parameter hasBody: whether the request carries a body, which the signature must then
    ///   cover through `content-digest`.
    /// - Throws: `SignatureFailure`, or `SpoolError.unavailable` when the shared nonce record
    ///   cannot be reached (the request is then refused, never served unrecorded).
    func authenticate(_ request: SignedRequest, hasBody: Bool, signatureInput: String?, signature: String?,
                      now: Date = Date()) async throws -> Signer {
        let parsed: (HTTPMessageSignature, [UInt8])
        do {
            parsed = try HTTPMessageSignature.parse(signatureInput: signatureInput, signature: signature)
        } catch HTTPMessageSignature.ParseError.missing {
            throw Failure.unsigned
        } catch {
            throw Failure.malformed
        }
        let (params, sig) = parsed
        guard params.coversDigest == hasBody, !hasBody || request.contentDigest.flatMap(ContentDigest.parse) != nil else {
            throw Failure.malformed
        }
        let created = Date(timeIntervalSince1970: TimeInterval(params.created))
        guard abs(created.timeIntervalSince(now)) <= window else { throw Failure.outsideWindow }
        guard let base = params.signatureBase(request) else { throw Failure.malformed }
        let credential = credentials[params.keyID]
        // Verify before remembering the nonce, so nobody can burn a reviewer's nonces.
        guard (credential?.key ?? decoy).isValidSignature(sig, for: base), let credential else { throw Failure.rejected }
        // Nonces are kept by the key's fingerprint, whatever form its keyid takes.
        let (keyID, expiry) = (credential.key.fingerprint.hex, created.addingTimeInterval(window))
        guard nonces.insert(keyID: keyID, nonce: params.nonce, until: expiry, now: now) else {
            throw Failure.replay
        }
        if let shared {
            // Kept by the day its signature stops passing, not by that time.
            let fresh: Bool
            do {
                fresh = try await shared.insert(NonceCache.hash(keyID: keyID, nonce: params.nonce), untilDay: Spool.day(of: expiry))
            } catch {
                nonces.remove(keyID: keyID, nonce: params.nonce)
                throw SpoolError.unavailable
            }
            guard fresh else { throw Failure.replay }
        }
        return credential
    }
}
