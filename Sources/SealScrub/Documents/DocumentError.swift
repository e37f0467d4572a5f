import Foundation
import SealCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Thrown when a document cannot be cleaned; the message is one plain line.
struct DocumentError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
