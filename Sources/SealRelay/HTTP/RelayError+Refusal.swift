import SealAPI

extension RelayError {
    /// The answer to a refused upload, counted by reason. Both ways in (and replies) use
    /// it, so a refusal looks the same whichever the client took.
    init(refusing error: any Error, metrics: RelayMetrics, incomplete: String = "the upload did not complete") {
        self = Self.describing(error, incomplete: incomplete)
        metrics.countRefusal(code)
    }

    private static func describing(_ error: any Error, incomplete: String) -> RelayError {
        if let refusal = error as? RelayError { return refusal }
        if let refusal = error as? UploadRefusal {
            switch refusal {
            case .tooManyUploads:
                return RelayError(.tooManyUploads, "too many uploads are in progress; try again later")
            case .notFound:
                return RelayError(.notFound, "no such upload (it completed, failed, expired, or the relay restarted)")
            case .conflict(let offset):
                return RelayError(.uploadConflict, "the upload is at another offset, or busy", offset: offset)
            case .sliceTooLarge(let max):
                return RelayError(.tooLarge, "a slice may carry at most \(max) bytes")
            }
        }
        switch IntakeError(error) {
        case .malformed(let why): return RelayError(.malformed, why)
        case .digestMismatch: return RelayError(.digestMismatch, IntakeError.digestMismatch.description)
        case .spool(.tooLarge(let max)): return RelayError(.tooLarge, SpoolError.tooLarge(max).description)
        case .spool(.full): return RelayError(.spoolFull, SpoolError.full.description)
        case .spool(.unavailable): return RelayError(.storageUnavailable, SpoolError.unavailable.description)
        case .spool(let e): return RelayError(.storageFailed, e.description)
        // The client went away mid-body, or the server is shutting down.
        case nil: return RelayError(.incomplete, incomplete)
        }
    }
}
