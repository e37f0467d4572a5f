import Foundation

/// The part both epoch files share (docs/FORMAT.md §7.1): a JSON object with `type`, `v` 1,
/// the reviewer's `name` and a list of `epochs` entries, checked in one place.
struct EpochFileObject {
    let object: [String: Any]
    let name: String
    let epochs: [[String: Any]]

    init(bytes: [UInt8], type expected: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw EpochError.malformed("not a JSON object (truncated or damaged?)")
        }
        let type = object["type"] as? String ?? ""
        guard type == expected else { throw KeyError.wrongType(expected: expected, found: type) }
        guard let v = object["v"] as? Int, v == 1 else { throw KeyError.unsupportedVersion(object["v"] as? Int ?? 0) }
        guard let name = object["name"] as? String, let epochs = object["epochs"] as? [[String: Any]] else {
            throw EpochError.malformed("needs name and epochs")
        }
        self.object = object
        self.name = name
        self.epochs = epochs
    }
}
