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
    /// Verifies signatures from unknown credentials, so they cost what a known one costs.
    private let decoy: VerifyingKey

    /// - Parameter nonceFile: where used nonces are kept across restarts (nil: memory only).
    init(credentials: [String: Signer], windowSeconds: Int, nonceFile: String?) throws {
        self.credentials = credentials
        self.window = TimeInterval(windowSeconds)
        // A signature lives for two windows (created may be early or late by one); a
        // credential may use 100 a second of them before it is refused (only it).
        self.nonces = NonceCache(path: nonceFile, window: window, capacity: max(1000, 200 * windowSeconds))
        self.decoy = try VerifyingKey(publicKey: SigningKey.generate(.fetchCredential(name: "decoy")).publicKey)
    }

    /// - Parameter hasBody: whether the request carries a body, which the signature must then
    ///   cover through `content-digest`.
    func authenticate(_ request: SignedRequest, hasBody: Bool, signatureInput: String?, signature: String?,
                      now: Date = Date()) throws -> Signer {
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
        guard nonces.insert(keyID: credential.key.fingerprint.hex, nonce: params.nonce, until: created.addingTimeInterval(window), now: now) else {
            throw Failure.replay
        }
        return credential
    }
}
