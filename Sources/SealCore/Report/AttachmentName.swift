/// The names a report's attachments are saved under: each sender-chosen name made a safe
/// file name by `UntrustedText.fileName`, then numbered where it clashes with an earlier one
/// (`photo (2).jpg`). Names that differ only in case or Unicode normalisation clash: a
/// reviewer may copy the folder to a file system that folds them together.
enum AttachmentName {
    /// `seal open` writes `NAME.WARNING.txt` beside an attachment that still carries
    /// metadata; a sender must not be able to put a reassuring file of their own there.
    static let warningSuffix = ".WARNING.txt"
    private static let senderWarningSuffix = ".WARNING (sent by the source).txt"

    /// Leaves room in NAME_MAX (255 bytes) for a " (10000)" number, the warning suffix and
    /// the hidden temporary name `AtomicFile` writes through.
    static let maxBytes = 200

    /// The names a report's attachments are saved under, in manifest order. Deterministic,
    /// so `seal open` can find each file again without keeping a list. Linear in the number
    /// of names: each base name remembers the next number to try.
    static func savedNames(for names: [String]) -> [String] {
        var taken: Set<String> = []
        var nextNumber: [String: Int] = [:]
        var saved: [String] = []
        saved.reserveCapacity(names.count)
        for raw in names {
            let name = cleaned(raw)
            var candidate = name
            if taken.contains(key(name)) {
                let (stem, ext) = split(name)
                var n = nextNumber[key(name)] ?? 2
                repeat {
                    candidate = "\(stem) (\(n))\(ext)"
                    n += 1
                } while taken.contains(key(candidate))
                nextNumber[key(name)] = n
            }
            taken.insert(key(candidate))
            saved.append(candidate)
        }
        return saved
    }

    /// One sender-chosen name as a safe file name, before numbering.
    static func cleaned(_ raw: String) -> String {
        let name = UntrustedText.fileName(raw, fallback: "attachment", maxBytes: maxBytes)
        guard key(name).hasSuffix(key(warningSuffix)) else { return name }
        let renamed = String(name.dropLast(warningSuffix.count)) + senderWarningSuffix
        return UntrustedText.fileName(renamed, fallback: "attachment", maxBytes: maxBytes)
    }

    /// Names are already in NFC (`UntrustedText.fileName`), so lowercasing is what is left
    /// to fold.
    private static func key(_ name: String) -> String { name.lowercased() }

    private static func split(_ name: String) -> (String, String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }
}
