/// One recipient's wrapped copy of the file key.
public struct Stanza: Codable, Equatable, Sendable {
    public var kid: String
    public var suite: String
    public var enc: String
    public var ct: String
}
