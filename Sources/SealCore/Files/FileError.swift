import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from the file system, phrased for the person at the terminal.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) {
        self.description = description
    }

    static func posix(_ what: String, _ path: String, errno code: Int32 = errno) -> FileError {
        FileError(description: "\(what) \(path): \(String(cString: strerror(code)))")
    }
}
