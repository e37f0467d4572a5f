/// The header names of the relay protocol (docs/API.md), spelled once for both ends.
public enum RelayHeader {
    /// A source's mailbox secret, base64url of 32 bytes.
    public static let mailboxSecret = "Mailbox-Secret"
    /// Where a chunked-upload slice starts.
    public static let uploadOffset = "Upload-Offset"
    /// RFC 9421 signature parameters on reviewer requests.
    public static let signatureInput = "Signature-Input"
    /// RFC 9421 signature on reviewer requests.
    public static let signature = "Signature"
    /// RFC 9530 digest of a signed request's body (`sha-256=:BASE64:`).
    public static let contentDigest = "Content-Digest"
    /// The proof-of-work token of an anonymous write (`B64URL(challenge).B64URL(nonce)`).
    public static let proofOfWork = "Seal-PoW"
    /// The signed receipt served with an envelope to a reviewer: its JSON in base64url.
    public static let receipt = "Seal-Receipt"
}
