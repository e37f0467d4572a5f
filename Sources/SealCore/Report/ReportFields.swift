import Foundation

/// The optional structured testimony a report may carry (docs/FORMAT.md §4, "fields"):
/// what lets an organisation sort reports and match them to shipping records. The rules
/// live here once; the CLI, `seal open`'s index and `seal share` all apply them.
public enum ReportFields {
    /// The keys a writer may use, in the order an index shows them.
    public static let keys = ["workplace", "location", "employer", "buyer", "product", "label", "dates", "shipment"]
    /// Room for a full address or a list of container numbers, small enough that fields
    /// never dominate a manifest.
    public static let maxValueBytes = 2048

    /// Checks one field a writer is about to seal. A value is refused whole, never cut:
    /// testimony that was silently shortened is worse than testimony the source can fix.
    public static func check(key: String, value: String) throws {
        guard keys.contains(key) else {
            throw ReportError.badField("unknown field \"\(UntrustedText.line(key, limit: 40))\"; the fields are \(keys.joined(separator: ", "))")
        }
        guard !value.isEmpty else { throw ReportError.badField("field \(key) is empty") }
        guard value.utf8.count <= maxValueBytes else {
            throw ReportError.badField("field \(key) is \(value.utf8.count) bytes of UTF-8; at most \(maxValueBytes) are allowed")
        }
        // The same characters `UntrustedText` would replace on a terminal: a tab, line
        // break or bidi override in a field would corrupt a CSV cell or mislead a reader.
        guard value.unicodeScalars.allSatisfy(UntrustedText.isVisible) else {
            throw ReportError.badField("field \(key) contains a control or invisible formatting character")
        }
    }

    /// Checks every field; nil when there are none, so a manifest without fields stays as
    /// it was.
    public static func checked(_ fields: [String: String]) throws -> [String: String]? {
        for (key, value) in fields { try check(key: key, value: value) }
        return fields.isEmpty ? nil : fields
    }

    /// Parses `KEY=VALUE` as given on a command line; the value may itself contain `=`.
    public static func parse(assignment: String) throws -> (key: String, value: String) {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw ReportError.badField("--field needs KEY=VALUE, e.g. --field shipment=MSCU1234567")
        }
        let key = String(assignment[..<equals])
        let value = String(assignment[assignment.index(after: equals)...])
        try check(key: key, value: value)
        return (key, value)
    }

    /// Whether a reader accepts a report's fields: bounded in number and size so a hostile
    /// report cannot make a reader allocate without limit. Unknown keys are allowed (a
    /// later writer may add keys) and are kept in `manifest.json`; values are the sender's
    /// text and are cleaned wherever they are shown.
    static func isAcceptable(_ fields: [String: String]) -> Bool {
        fields.count <= 64 && fields.allSatisfy { $0.key.utf8.count <= 64 && $0.value.utf8.count <= maxValueBytes }
    }
}
