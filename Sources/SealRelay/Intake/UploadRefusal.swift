/// Why a chunked-upload request was refused, beyond what `IntakeError` covers.
enum UploadRefusal: Error, Equatable {
    case tooManyUploads
    case notFound
    case conflict(offset: Int)
    case sliceTooLarge(Int)
}
