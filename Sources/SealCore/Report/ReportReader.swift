import Crypto
import Foundation

/// Receives a report's plaintext as it is decrypted and writes it into a staging folder:
/// `message.txt`, `manifest.json` and `attachments/`. Every size, hash and padding byte is
/// checked; the caller moves the folder into place only when `finish()` succeeded.
struct ReportReader: PlaintextSink {
    let folder: String
    private(set) var manifest: Manifest?
    private(set) var savedNames: [String] = []

    private var lengthBytes: [UInt8] = []
    private var manifestLength = 0
    private var manifestBytes: [UInt8] = []
    private var fileIndex = 0
    private var current: AtomicFile?
    private var currentHash = BackgroundSHA256()
    private var currentRemaining = 0
    private var total = 0

    init(folder: String) { self.folder = folder }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes[...]
        total += bytes.count
        while !rest.isEmpty {
            if lengthBytes.count < 4 {
                let n = min(4 - lengthBytes.count, rest.count)
                lengthBytes += rest.prefix(n)
                rest = rest.dropFirst(n)
                if lengthBytes.count == 4 {
                    manifestLength = BigEndianReader(lengthBytes).u32(at: 0) ?? 0
                    guard manifestLength > 0, manifestLength <= Manifest.maxEncodedSize else {
                        throw ReportError.malformedManifest("manifest length \(manifestLength) is out of bounds")
                    }
                }
            } else if manifestBytes.count < manifestLength {
                let n = min(manifestLength - manifestBytes.count, rest.count)
                manifestBytes += rest.prefix(n)
                rest = rest.dropFirst(n)
                if manifestBytes.count == manifestLength { try startFiles() }
            } else if let m = manifest, fileIndex < m.files.count {
                if current == nil { try openFile() }
                let n = min(currentRemaining, rest.count)
                let piece = UnsafeRawBufferPointer(rebasing: rest.prefix(n))
                try current?.write(piece)
                currentHash.update(piece)
                currentRemaining -= n
                rest = rest.dropFirst(n)
                if currentRemaining == 0 {
                    try closeFile()
                    try writeEmptyFiles()
                }
            } else {
                guard rest.allSatisfy({ $0 == 0 }) else { throw ReportError.nonZeroPadding }
                rest = rest.dropFirst(rest.count)
            }
        }
    }

    private mutating func startFiles() throws {
        let m = try Manifest.decode(manifestBytes)
        manifest = m
        try FileManager.default.createDirectory(atPath: "\(folder)/attachments", withIntermediateDirectories: true)
        savedNames = AttachmentName.savedNames(for: m.files.map(\.name))
        try writeEmptyFiles()
    }

    /// Empty files have no bytes to trigger `openFile`, so they are written as soon as the
    /// reader reaches them. A loop, not recursion: a manifest may list thousands in a row.
    private mutating func writeEmptyFiles() throws {
        guard let m = manifest else { return }
        while fileIndex < m.files.count, m.files[fileIndex].size == 0 {
            try openFile()
            try closeFile()
        }
    }

    private mutating func openFile() throws {
        guard let m = manifest else { return }
        current = try AtomicFile(path: "\(folder)/attachments/\(savedNames[fileIndex])", mode: 0o600)
        currentHash = BackgroundSHA256()
        currentRemaining = m.files[fileIndex].size
    }

    private mutating func closeFile() throws {
        guard let m = manifest, let file = current else { return }
        guard currentHash.finalizeHex() == m.files[fileIndex].sha256 else {
            throw ReportError.hashMismatch(m.files[fileIndex].name)
        }
        // The staging folder is synced as a whole before it is published (`ReportOpener`).
        try file.commit(durably: false)
        current = nil
        fileIndex += 1
    }

    mutating func finish() throws {
        guard let m = manifest else { throw ReportError.malformedManifest("the report ends before its manifest") }
        guard fileIndex == m.files.count else { throw ReportError.sizeMismatch(m.files[fileIndex].name) }
        let unpadded = 4 + manifestLength + m.files.reduce(0) { $0 + $1.size }
        let expected = Padme.reportLength(unpadded: unpadded)
        guard total == expected else { throw ReportError.wrongPaddedLength(expected: expected, got: total) }
        // A reviewer reads these with `cat` or `less`: message.txt is the message made safe
        // for a terminal; manifest.json keeps it exactly, with anything a terminal would act
        // on written as a JSON escape (docs/FORMAT.md §4).
        try AtomicFile.write(Array(UntrustedText.lines(m.message).utf8), to: "\(folder)/message.txt", mode: 0o600)
        if let fields = m.fields, !fields.isEmpty {
            // One `key: value` line per field, cleaned as message.txt is; the exact text
            // stays in manifest.json.
            let lines = fields.keys.sorted().map { "\(UntrustedText.line($0, limit: 64)): \(UntrustedText.line(fields[$0] ?? "", limit: ReportFields.maxValueBytes))\n" }
            try AtomicFile.write(Array(lines.joined().utf8), to: "\(folder)/fields.txt", mode: 0o600)
        }
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = UntrustedText.escapingInvisibles(inJSON: Array(try pretty.encode(m)))
        try AtomicFile.write(json + [0x0A], to: "\(folder)/manifest.json", mode: 0o600)
    }
}
