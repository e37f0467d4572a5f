import ArgumentParser
import Foundation
import SealCore
import SealScrub

#if canImport(Glibc)
import Glibc
#endif

/// Options that pin the organisation a bundle must come from.
struct PinOptions: ParsableArguments {
    @Option(help: "The organisation's fingerprint (64 hex characters), from a source you trust.")
    var orgFingerprint: String

    func validate() throws {
        if Fingerprint(hex: orgFingerprint) == nil { throw ValidationError(BundleError.invalidFingerprint.description) }
    }

    var pinned: Fingerprint {
        get throws {
            guard let fp = Fingerprint(hex: orgFingerprint) else { throw BundleError.invalidFingerprint }
            return fp
        }
    }
}
