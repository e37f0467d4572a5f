import Foundation
import SealCore

/// Relationship parts (`_rels/*.rels`): which part points at which.
enum Relationships {
    static let namespace = "http://schemas.openxmlformats.org/package/2006/relationships"
    static let contentType = "application/vnd.openxmlformats-package.relationships+xml"
    /// Links to files outside the document that name the author's machine and serve no
    /// reader: the template it was made from, mail-merge sources.
    static let droppedExternalTypes = ["/attachedTemplate", "/mailMergeSource", "/mailMergeHeaderSource", "/recipientData"]

    /// "word/_rels/document.xml.rels" → "word/document.xml"; "_rels/.rels" → "" (the package).
    static func source(of relsPart: String) -> String? {
        guard relsPart.hasSuffix(".rels") else { return nil }
        let parts = relsPart.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[parts.count - 2] == "_rels" else { return nil }
        let folder = parts.dropLast(2).joined(separator: "/")
        let name = String(parts[parts.count - 1].dropLast(5))
        return folder.isEmpty ? name : "\(folder)/\(name)"
    }

    /// The part a relative target names, as a ZIP entry name.
    static func resolve(_ target: String, from source: String) -> String? {
        let decoded = target.removingPercentEncoding ?? target
        var stack: [Substring] = decoded.hasPrefix("/") ? [] : Array(source.split(separator: "/").dropLast())
        for piece in decoded.split(separator: "/") {
            if piece == ".." { if stack.popLast() == nil { return nil } } else if piece != "." { stack.append(piece) }
        }
        return stack.joined(separator: "/")
    }

    static func rules(dropping ids: Set<String>) -> XMLRules {
        XMLRules(
            dropElement: { name, attributes in
                guard name == XMLName(namespace, "Relationship"), let id = attributes[XMLName("", "Id")] else { return nil }
                return ids.contains(id) ? "" : nil
            },
            attribute: { element, attributes, name, value in
                guard element.local == "Relationship", name.local == "Target",
                      attributes[XMLName("", "TargetMode")] == "External", LocalPath.isLocal(value) else { return .keep }
                return .replace(LocalPath.basename(value), "links to files on the author's computer (folder paths removed)")
            })
    }
}
