/// One entry of an inbox or mailbox listing. The id stays text here: a client refuses an
/// entry whose id is not an envelope id on its own, rather than the whole listing.
public struct ListedEnvelope: Codable, Sendable, Equatable {
    public var id: String
    public var size: Int

    public init(id: String, size: Int) { (self.id, self.size) = (id, size) }
}
