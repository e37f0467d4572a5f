import SealCore

/// What an upload is, which decides how its head is checked and where it is queued.
enum Delivery: Sendable {
    /// A report: every stanza must name a reviewer of the current bundle.
    case report(reviewers: Set<KeyID>)
    /// A reviewer's answer to a source: one X25519 stanza for the source's reply key,
    /// which no bundle lists (docs/FORMAT.md §5), so only its shape is checked.
    case reply(mailbox: MailboxID)

    func check(_ head: EnvelopeHead) throws {
        switch self {
        case .report(let reviewers):
            try head.requireRecipients(in: reviewers)
        case .reply:
            try head.requireReplyShape()
        }
    }
}
