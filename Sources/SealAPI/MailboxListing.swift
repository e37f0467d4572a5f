/// `GET /v1/mailbox`: the replies waiting for a source, in random order.
public struct MailboxListing: Codable, Sendable, Equatable {
    public var replies: [ListedEnvelope]

    public init(replies: [ListedEnvelope]) { self.replies = replies }
}
