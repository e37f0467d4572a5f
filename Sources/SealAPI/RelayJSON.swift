import Foundation

/// How both ends write and read the protocol's JSON: sorted keys, so an answer is the
/// same bytes every time (Linux `JSONEncoder` key order otherwise varies between runs).
public enum RelayJSON {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every type here encodes strings and integers only, which cannot fail.
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
