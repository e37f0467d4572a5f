import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `sealrelayd.lock` in the state directory, held by
/// `sealrelayd run` for as long as it runs (the kernel drops it when the process ends, also
/// on kill -9), so that `sealrelayd migrate` can refuse a relay that is still running. The
/// file's times are the epoch's: it does not record when the relay started.
public final class RunLock: Sendable {
    private let descriptor: Int32

    public init(stateDirectory: String) throws {
        let path = "\(stateDirectory)/sealrelayd.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ConfigError("cannot open \(path)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ConfigError("a sealrelayd is running on \(stateDirectory); stop it first")
        }
        FileTimes.set(path, to: Date(timeIntervalSince1970: 0))
        FileTimes.normaliseDirectory(stateDirectory)
    }

    deinit { close(descriptor) }
}
