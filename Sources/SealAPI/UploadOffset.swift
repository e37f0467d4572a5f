/// `PUT /v1/uploads/{upload}` (200): the bytes the upload holds so far, where the next
/// slice starts.
public struct UploadOffset: Codable, Sendable, Equatable {
    public var offset: Int

    public init(offset: Int) { self.offset = offset }
}
