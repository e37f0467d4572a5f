import CQPDF
import Foundation
import SealCore

/// Annotations: their authors and dates, attached media, and actions that reach outside the document.
extension PDFPass {
    mutating func cleanAnnotation(_ d: Handle, subtype: String) throws {
        let isAnnotation = try document.name(d, "/Type") == "/Annot" || document.has(d, "/Rect")
        guard isAnnotation else { return }
        if Self.markupAnnotations.contains(subtype), !document.has(d, "/FT"), document.has(d, "/T") {
            findings.add("names of annotation authors")
            try document.remove(d, "/T")
        }
        try remove(["/M", "/CreationDate"], from: d, saying: "annotation dates")
        // Often a UUID the commenting program made up: not a name, but unique to the
        // author's copy.
        try remove(["/NM"], from: d, saying: "annotation IDs", identifying: false)
        if Self.mediaAnnotations.contains(subtype) {
            // Reached by another path than the page (a pop-up's /Parent): it is no longer
            // on any page, and what it carried goes here.
            try describeMedia(d, subtype: subtype)
            for key in ["/FS", "/Sound", "/Movie", "/RichMediaContent", "/3DD"] where document.has(d, key) {
                try document.remove(d, key)
            }
        }
    }

    /// An action under `key` (a dictionary, or for /Next also an array of them) that runs
    /// code or reaches outside the document is removed.
    mutating func removeActions(_ d: Handle, _ key: String) throws {
        guard let action = try document.value(d, key) else { return }
        defer { document.release(action) }
        switch try document.type(action) {
        case ot_dictionary:
            if let s = try document.name(action, "/S"), let words = Self.removedActions[s] {
                findings.add(words)
                try document.remove(d, key)
            }
        case ot_array where key == "/Next":
            var i = try document.count(action) - 1
            while i >= 0 {
                let item = try document.item(action, i)
                defer { document.release(item) }
                if try document.type(item) == ot_dictionary, let s = try document.name(item, "/S"),
                   let words = Self.removedActions[s] {
                    findings.add(words)
                    try document.erase(action, i)
                }
                i -= 1
            }
        default:
            break
        }
    }

    /// File attachment, sound, video and 3D annotations leave the page, and so does the
    /// pop-up note that belongs to each.
    mutating func removeMediaAnnotations(_ annots: Handle) throws {
        var popups = Set<Int64>()
        var i = try document.count(annots) - 1
        while i >= 0 {
            let a = try document.item(annots, i)
            defer { document.release(a) }
            if try document.type(a) == ot_dictionary, let s = try document.name(a, "/Subtype"),
               Self.mediaAnnotations.contains(s) {
                try describeMedia(a, subtype: s)
                if let p = try document.value(a, "/Popup") {
                    if document.isIndirect(p) {
                        let (n, g) = document.objectID(p)
                        popups.insert(Int64(n) << 20 | Int64(g & 0xFFFFF))
                    }
                    document.release(p)
                }
                try document.erase(annots, i)
            }
            i -= 1
        }
        guard !popups.isEmpty else { return }
        i = try document.count(annots) - 1
        while i >= 0 {
            let a = try document.item(annots, i)
            defer { document.release(a) }
            if document.isIndirect(a) {
                let (n, g) = document.objectID(a)
                if popups.contains(Int64(n) << 20 | Int64(g & 0xFFFFF)) { try document.erase(annots, i) }
            }
            i -= 1
        }
    }

    mutating func describeMedia(_ a: Handle, subtype: String) throws {
        guard subtype == "/FileAttachment" else {
            findings.add("sound, video or 3D annotations")
            return
        }
        guard let fs = try document.value(a, "/FS") else { return }
        defer { document.release(fs) }
        fileInside("attached file", named: try fileName(fs) ?? "")
    }
}
