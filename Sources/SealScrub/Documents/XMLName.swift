import Foundation
import SealCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML name resolved to its namespace, so rules match what an element *is* rather than
/// the prefix one producer happened to give it.
struct XMLName: Hashable, Sendable {
    let namespace: String
    let local: String

    init(_ namespace: String, _ local: String) {
        self.namespace = namespace
        self.local = local
    }
}
