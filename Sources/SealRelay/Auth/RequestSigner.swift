import SealCore

/// Whoever may sign requests to this relay (docs/API.md): a reviewer's fetch credential, or an
/// edge relay allowed to forward here. One verifier checks both (`RequestAuthenticator`).
protocol RequestSigner: Sendable {
    var key: VerifyingKey { get }
    /// Puts the authenticated signer into the context, for the routes behind the middleware.
    func admit(into context: inout RelayRequestContext)
}

extension ReviewerCredential: RequestSigner {
    func admit(into context: inout RelayRequestContext) {
        context.reviewer = self
    }
}
