/// What every reply envelope shares (docs/FORMAT.md §5). Its shape (one X25519 stanza, for the
/// source's reply key) is checked by `EnvelopeHead.requireReplyShape()`.
public enum ReplyEnvelope {
    /// A reply is sealed by a reviewer, who used no recipient bundle to address it: the
    /// header's `bundle` field holds this fixed value (64 zeros), so it says nothing about
    /// which bundle, and so when, the report being answered was made with.
    public static let bundleID = String(repeating: "0", count: 64)

    /// A mailbox id is base64url of 16 bytes (22 characters, the canonical form only, so it
    /// can name a route segment and a file safely).
    public static func isValidMailboxID(_ text: String) -> Bool {
        MailboxID(text) != nil
    }
}
