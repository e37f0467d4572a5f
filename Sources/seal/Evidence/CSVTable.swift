import Foundation

/// CSV as spreadsheets read it (RFC 4180, UTF-8 with a byte-order mark so that LibreOffice
/// Calc and Excel take Korean and Chinese as UTF-8 without asking).
///
/// Cells hold a source's text, so they are defused: a cell starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return is a formula to a spreadsheet (OWASP "CSV injection")
/// and gets a leading `'`, which the spreadsheet shows as text.
enum CSVTable {
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    static func encode(header: [String], rows: [[String]]) -> [UInt8] {
        var text = ""
        for row in [header] + rows {
            text += row.map(cell).joined(separator: ",") + "\r\n"
        }
        return byteOrderMark + Array(text.utf8)
    }

    static func cell(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            text = "'" + text
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
