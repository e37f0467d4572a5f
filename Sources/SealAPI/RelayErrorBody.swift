/// The one shape of every error answer: `{"code": CODE, "error": one line}`, plus the
/// fields a code needs (`offset` for `upload_conflict`, `pow` for `pow_required`).
public struct RelayErrorBody: Codable, Sendable, Equatable {
    public var code: RelayErrorCode
    /// One line for a person; never parsed by clients.
    public var error: String
    /// Where a chunked upload stands (only with `upload_conflict`).
    public var offset: Int?
    /// A fresh proof-of-work challenge (only with `pow_required`).
    public var pow: PoWOffer?

    public init(code: RelayErrorCode, error: String, offset: Int? = nil, pow: PoWOffer? = nil) {
        self.code = code
        self.error = error
        self.offset = offset
        self.pow = pow
    }
}
