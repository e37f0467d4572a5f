import Foundation
import SealCore

/// `[Content_Types].xml`: the type of each part, by extension or by name.
struct ContentTypes {
    static let namespace = "http://schemas.openxmlformats.org/package/2006/content-types"
    private var defaults: [String: String] = [:]
    private var overrides: [String: String] = [:]

    init(_ bytes: [UInt8]) throws {
        for entry in try XMLRewriter.attributes(of: "Default", in: bytes, part: "[Content_Types].xml") {
            if let ext = entry["Extension"], let type = entry["ContentType"] { defaults[ext.lowercased()] = type }
        }
        for entry in try XMLRewriter.attributes(of: "Override", in: bytes, part: "[Content_Types].xml") {
            if let name = entry["PartName"], let type = entry["ContentType"] { overrides[Self.partName(name)] = type }
        }
    }

    func type(of part: String) -> String? {
        if let t = overrides[part.lowercased()] { return t }
        guard let dot = part.lastIndex(of: ".") else { return nil }
        return defaults[part[part.index(after: dot)...].lowercased()]
    }

    /// "/word/document.xml" → "word/document.xml", compared without case as OPC requires.
    static func partName(_ name: String) -> String {
        let trimmed = name.hasPrefix("/") ? String(name.dropFirst()) : name
        return (trimmed.removingPercentEncoding ?? trimmed).lowercased()
    }

    static func rules(dropping dropped: Set<String>) -> XMLRules {
        let lowered = Set(dropped.map { $0.lowercased() })
        return XMLRules(dropElement: { name, attributes in
            guard name == XMLName(namespace, "Override"), let part = attributes[XMLName("", "PartName")] else { return nil }
            return lowered.contains(partName(part)) ? "" : nil
        })
    }
}
