/// Turns a name chosen by a sender (hostile, possibly) into a safe file name: no
/// directories, no hidden files, no control characters, no clash with a name already used.
enum AttachmentName {
    /// The names a report's attachments are saved under, in manifest order. Deterministic,
    /// so `seal open` can find each file again without keeping a list.
    static func savedNames(for manifest: Manifest) -> [String] {
        var taken: Set<String> = []
        var names: [String] = []
        for f in manifest.files {
            let name = sanitise(f.name, taken: taken)
            taken.insert(name.lowercased())
            names.append(name)
        }
        return names
    }

    /// `seal open` writes `NAME.WARNING.txt` beside an attachment that still carries
    /// metadata; a sender must not be able to put a reassuring file of their own there.
    static let warningSuffix = ".WARNING.txt"

    static func sanitise(_ name: String, taken: Set<String>) -> String {
        let lastComponent = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(String.UnicodeScalarView(lastComponent.unicodeScalars.filter {
            !($0.properties.generalCategory == .control || $0.properties.generalCategory == .format
              || $0 == ":" || $0 == "*" || $0 == "?" || $0 == "\"" || $0 == "<" || $0 == ">" || $0 == "|")
        }))
        while cleaned.hasPrefix(".") || cleaned.hasPrefix(" ") || cleaned.hasPrefix("-") { cleaned.removeFirst() }
        while cleaned.hasSuffix(" ") || cleaned.hasSuffix(".") { cleaned.removeLast() }
        if cleaned.isEmpty { cleaned = "attachment" }
        // Stay well inside NAME_MAX (255 bytes) so a " (2)" suffix always fits.
        while cleaned.utf8.count > 200 { cleaned.removeLast() }
        if cleaned.lowercased().hasSuffix(warningSuffix.lowercased()) {
            cleaned = String(cleaned.dropLast(warningSuffix.count)) + ".WARNING (sent by the source).txt"
        }
        var candidate = cleaned
        var n = 2
        while taken.contains(candidate.lowercased()) {
            let (stem, ext) = split(cleaned)
            candidate = "\(stem) (\(n))\(ext)"
            n += 1
        }
        return candidate
    }

    private static func split(_ name: String) -> (String, String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }
}
