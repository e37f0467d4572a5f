import Crypto
import Foundation

/// JSON that hashes and compares byte for byte (Linux JSONEncoder's key order varies).
enum JSON {
    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
