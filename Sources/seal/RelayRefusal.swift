import SealAPI

/// The relay answered, but not with what was asked for. `code` is nil when the answer
/// was not the relay's error shape (a proxy's page, say).
struct RelayRefusal: Error, CustomStringConvertible {
    let status: Int
    let code: RelayErrorCode?
    /// A fresh challenge, with `pow_required`.
    let pow: PoWOffer?
    let description: String

    /// The relay did not accept the request's signature: every later request of the same
    /// run would be refused too (the credential is not listed, or the clock is off).
    var isAuthenticationFailure: Bool {
        [.unauthorized, .signatureExpired, .signatureReplayed].contains(code)
    }

    /// The relay cannot store anything now: later uploads of the same run would fail too.
    var isRelayFull: Bool {
        [.spoolFull, .storageFailed].contains(code)
    }
}
