/// `POST /v1/uploads` (201): the new upload's id and the largest slice one PUT may carry.
public struct UploadCreated: Codable, Sendable, Equatable {
    public var upload: UploadID
    public var maxSlice: Int

    public init(upload: UploadID, maxSlice: Int) { (self.upload, self.maxSlice) = (upload, maxSlice) }

    enum CodingKeys: String, CodingKey {
        case upload
        case maxSlice = "max_slice"
    }
}
