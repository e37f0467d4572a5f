import Foundation
import SealCore

/// The newest bundle `seal` has verified for each organisation, kept in its state directory
/// beside the counters (README.md "Several relays"): `seal submit` and `seal check` then
/// know every relay the organisation signed even when the source names none, and a source
/// whose only relay was blocked since still has the others.
///
/// Kept only after verification against the pinned fingerprint, and verified again (with the
/// counter store, so never an older one) each time it is used: the file is a cache of
/// something the organisation signed, never something to trust by itself.
struct KnownBundles {
    let directory: String

    static func standard() -> KnownBundles {
        KnownBundles(directory: (BundleCounterStore.standard().path as NSString).deletingLastPathComponent + "/bundles")
    }

    private func path(for organisation: Fingerprint) -> String { "\(directory)/\(organisation.hex).json" }

    /// Keeps `bundle`, already verified against its pinned organisation, unless the one kept
    /// is at least as new. Failing to keep it costs only the convenience: it is not an error.
    func keep(_ bundle: RecipientBundle) {
        let path = path(for: bundle.organisation.fingerprint)
        if let kept = try? RecipientBundle.verifySelfSigned(InputFile.readAll(path: path, limit: 1 << 20)),
           kept.organisation.fingerprint == bundle.organisation.fingerprint, kept.counter >= bundle.counter {
            return
        }
        do {
            try FileSystem.makePrivateDirectory(directory)
            try AtomicFile.write(bundle.fileBytes, to: path, mode: 0o600, replaceExisting: true)
        } catch {
            Terminal.warn("could not keep the organisation's bundle in \(directory): \(error)")
        }
    }

    /// The kept bundle of `pinned`, verified again; nil when there is none.
    func bundle(of pinned: Fingerprint) throws -> RecipientBundle? {
        let path = path(for: pinned)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try RecipientBundle.verify(path: path, pinned: pinned, counters: .standard())
        } catch {
            throw CLIError("the bundle kept in \(path) does not verify (\(error)); remove it, or give --bundle")
        }
    }
}
