import Foundation
import SealAPI
import SealCore

/// Checks reviewer requests (RFC 9421, docs/API.md "Reviewer routes"): a signature over
/// method, authority, path and (with a body) the body's digest, a `created` time inside
/// the window, a nonce never seen before, from a credential this relay serves.
///
/// The order of the checks gives nothing away: the time window is checked before the
/// credential is looked up, and an unknown credential is answered exactly like a bad
/// signature (after a verification of the same cost), so nobody can learn which
/// credentials a relay serves.
public actor RequestAuthenticator {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsigned, malformed, outsideWindow, rejected, replay

        public var description: String {
            switch self {
            case .unsigned: return "the request is not signed"
            case .malformed: return "the request signature is malformed, or does not cover what it must"
            case .outsideWindow: return "the request signature is too old or from the future (check the clock)"
            case .rejected: return "the request signature is not valid for a credential this relay serves"
            case .replay: return "the request signature was already used"
            }
        }

        public var code: RelayErrorCode {
            switch self {
            case .unsigned, .malformed, .rejected: return .unauthorized
            case .outsideWindow: return .signatureExpired
            case .replay: return .signatureReplayed
            }
        }
    }

    let credentials: [String: ReviewerCredential]
    let window: TimeInterval
    private var nonces: NonceCache
    /// Verifies signatures from unknown credentials, so they cost what a known one costs.
    private let decoy: VerifyingKey

    /// - Parameter nonceFile: where used nonces are kept across restarts (nil: memory only).
    public init(credentials: [String: ReviewerCredential], windowSeconds: Int, nonceFile: String?) throws {
        self.credentials = credentials
        self.window = TimeInterval(windowSeconds)
        // A signature lives for two windows (created may be early or late by one); a
        // credential may use 100 a second of them before it is refused (only it).
        self.nonces = NonceCache(path: nonceFile, window: window, capacity: max(1000, 200 * windowSeconds))
        self.decoy = try VerifyingKey(publicKey: SigningKey.generate(.fetchCredential(name: "decoy")).publicKey)
    }

    /// - Parameter hasBody: whether the request carries a body, which the signature must then
    ///   cover through `content-digest`.
    public func authenticate(_ request: SignedRequest, hasBody: Bool, signatureInput: String?, signature: String?,
                             now: Date = Date()) throws -> ReviewerCredential {
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
        guard nonces.insert(keyID: params.keyID, nonce: params.nonce, until: created.addingTimeInterval(window), now: now) else {
            throw Failure.replay
        }
        return credential
    }
}
