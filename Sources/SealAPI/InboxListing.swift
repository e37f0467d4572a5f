/// `GET /v1/inbox`: the envelopes queued for a reviewer, in random order.
public struct InboxListing: Codable, Sendable, Equatable {
    public var envelopes: [ListedEnvelope]

    public init(envelopes: [ListedEnvelope]) { self.envelopes = envelopes }
}
