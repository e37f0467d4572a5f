import CQPDF
import Foundation
import SealCore

/// JPEG images inside the PDF go through the JPEG scrubber.
extension PDFPass {
    /// Filters that may wrap a JPEG and that SealRelay undoes to reach it: the ASCII
    /// encodings, which reportlab applies by default and which can only shrink when
    /// decoded. A JPEG under Flate (or LZW, RunLength) is refused: decoding it could
    /// expand without bound, and qpdf's C API has no limit to set.
    static let asciiFilters: Set<String> = ["/ASCII85Decode", "/ASCIIHexDecode", "/A85", "/AHx"]

    /// A JPEG image is stored whole inside the PDF, EXIF, GPS and camera serial included:
    /// it goes through the JPEG scrubber, and its cleaned bytes replace the old ones, under
    /// the one filter /DCTDecode (an ASCII layer around it is dropped).
    mutating func cleanImage(_ stream: Handle, dictionary: Handle) throws {
        guard try document.name(dictionary, "/Subtype") == "/Image",
              let filter = try document.value(dictionary, "/Filter") else { return }
        defer { document.release(filter) }
        var filters: [String] = []
        switch try document.type(filter) {
        case ot_name:
            filters = [try document.name(filter) ?? ""]
        case ot_array:
            for i in 0..<(try document.count(filter)) {
                let f = try document.item(filter, i)
                filters.append(try document.name(f) ?? "")
                document.release(f)
            }
        default:
            return
        }
        guard filters.contains("/DCTDecode") || filters.contains("/DCT") else { return }
        let (n, g) = document.objectID(stream)
        let label = "image \(n) \(g) in \(name)"
        let outer = Array(filters.dropLast())
        guard ["/DCTDecode", "/DCT"].contains(filters.last ?? ""), outer.allSatisfy(Self.asciiFilters.contains) else {
            if cleaning {
                throw ScrubError.refused(name: name, format: "PDF",
                                         reason: "a JPEG image (object \(n)) is compressed a second time, and SealRelay cannot reach its metadata")
            }
            findings.add("a JPEG image SealRelay cannot check")
            return
        }
        // The JPEG's own decode parameters (/ColorTransform), which stay with it.
        var jpegParms: Handle?
        if let parms = try document.value(dictionary, "/DecodeParms") {
            if try document.type(parms) == ot_array {
                let count = try document.count(parms)
                if count > 0 { jpegParms = try document.item(parms, count - 1) }
                document.release(parms)
            } else {
                jpegParms = parms
            }
        }
        defer { if let jpegParms { document.release(jpegParms) } }
        let raw: [UInt8]
        if outer.isEmpty {
            raw = try document.streamData(stream)
        } else {
            try document.setFilters(dictionary, outer)
            raw = try document.streamData(stream, decoding: qpdf_dl_generalized)
        }
        if !cleaning {
            do {
                guard ContentType.detect(Array(raw.prefix(64))) == .jpeg, let found = try EmbeddedImage.inspect(raw, name: label) else {
                    findings.add("a JPEG image SealRelay cannot check")
                    return
                }
                for w in found { findings.add("\(w) in an embedded image") }
            } catch {
                findings.add("a JPEG image SealRelay cannot check")
            }
            return
        }
        let outcome: EmbeddedImage.Outcome
        do {
            outcome = try EmbeddedImage.clean(raw, name: label)
        } catch let error as ScrubError {
            throw ScrubError.refused(name: name, format: "PDF", reason: "its JPEG image (object \(n)) cannot be cleaned: \(Self.reason(error))")
        }
        guard case .cleaned(let bytes, let removed) = outcome else {
            throw ScrubError.refused(name: name, format: "PDF", reason: "image object \(n) says it is a JPEG but is not one")
        }
        for w in removed { findings.add("\(w) in an embedded image") }
        if bytes != raw || !outer.isEmpty {
            try document.replaceStreamData(stream, with: bytes, filter: "/DCTDecode", parms: jpegParms)
        }
    }

    static func reason(_ error: ScrubError) -> String {
        switch error {
        case .malformed(_, _, let reason), .refused(_, _, let reason), .notCleaned(_, let reason): return reason
        case .unsupported(_, let type): return "unsupported \(type)"
        }
    }
}
