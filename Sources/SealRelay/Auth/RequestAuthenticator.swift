import Foundation
import SealAPI
import SealCore

/// Checks reviewer requests (RFC 9421, docs/API.md): a known credential, a signature over
/// method and path, a `created` time inside the window, and a nonce never seen before.
public actor RequestAuthenticator {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsigned, malformed, unknownCredential, outsideWindow, badSignature, replay

        public var description: String {
            switch self {
            case .unsigned: return "request is not signed"
            case .malformed: return "request signature is malformed"
            case .unknownCredential: return "unknown credential"
            case .outsideWindow: return "request signature is too old or from the future (check the clock)"
            case .badSignature: return "request signature does not verify"
            case .replay: return "request signature was already used"
            }
        }
    }

    let credentials: [String: ReviewerCredential]
    let window: TimeInterval
    /// nonce → when it may be forgotten (after it could no longer pass the window check).
    private var seen: [String: Date] = [:]
    private let maxNonces = 100_000

    public init(credentials: [String: ReviewerCredential], windowSeconds: Int) {
        self.credentials = credentials
        self.window = TimeInterval(windowSeconds)
    }

    public func authenticate(method: String, path: String, signatureInput: String?, signature: String?,
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
        guard let credential = credentials[params.keyID] else { throw Failure.unknownCredential }
        let created = Date(timeIntervalSince1970: TimeInterval(params.created))
        guard abs(created.timeIntervalSince(now)) <= window else { throw Failure.outsideWindow }
        // Verify before remembering the nonce, so nobody can burn a reviewer's nonces.
        guard credential.key.isValidSignature(sig, for: params.signatureBase(method: method, path: path)) else {
            throw Failure.badSignature
        }
        let key = "\(params.keyID) \(params.nonce)"
        forgetExpired(now: now)
        guard seen[key] == nil else { throw Failure.replay }
        // A flood of valid signatures can only come from a credential holder; still bounded.
        guard seen.count < maxNonces else { throw Failure.replay }
        seen[key] = created.addingTimeInterval(window)
        return credential
    }

    private func forgetExpired(now: Date) {
        if seen.count > 1000 || Int.random(in: 0..<64) == 0 {
            seen = seen.filter { $0.value >= now }
        }
    }
}
