import Foundation
import SealCore
import ZIPFoundation

/// The parts of an office document, read out of its ZIP container with limits that make a
/// ZIP bomb fail fast: a bounded number of entries, a bounded size per part and in total,
/// and sizes counted as the data inflates, since a crafted archive can lie in its headers.
struct ZIPPackage {
    struct Limits {
        var entries = 10_000
        var partBytes = 512 << 20
        var totalBytes = 2 << 30
        /// Office XML compresses about 10:1; a part far beyond this is built to explode.
        var ratio = 1_000
        /// The ratio is only judged above this size, where it can cost memory.
        var ratioFloor = 1 << 20
    }

    let archive: Archive
    let name: String
    /// Part names in archive order, directories left out.
    let parts: [String]
    private let entries: [String: Entry]
    private let limits: Limits

    /// A document on disk, read in place.
    init(file input: InputFile, name: String) throws {
        let size = try input.size()
        var tail = [UInt8](repeating: 0, count: min(size, 65_557))
        let n = try tail.withUnsafeMutableBytes { try input.read(into: $0, at: size - $0.count) }
        try self.init(Self.archive { try Archive(url: URL(fileURLWithPath: input.path), accessMode: .read) },
                      name: name, declaredEntries: Self.declaredEntryCount(Array(tail.prefix(n))))
    }

    /// A document found inside another one.
    init(bytes: [UInt8], name: String) throws {
        try self.init(Self.archive { try Archive(data: Data(bytes), accessMode: .read) },
                      name: name, declaredEntries: Self.declaredEntryCount(Array(bytes.suffix(65_557))))
    }

    private static func archive(_ open: () throws -> Archive) throws -> Archive {
        do { return try open() } catch { throw DocumentError("it is not a readable ZIP archive") }
    }

    /// - Parameter declaredEntries: the count the end-of-central-directory record gives,
    ///   from `declaredEntryCount`.
    private init(_ archive: Archive, name: String, declaredEntries: Int?, limits: Limits = Limits()) throws {
        self.archive = archive
        self.name = name
        self.limits = limits
        var parts: [String] = []
        var entries: [String: Entry] = [:]
        var declared: UInt64 = 0
        var seen = 0
        for entry in archive {
            seen += 1
            guard parts.count < limits.entries else {
                throw DocumentError("it holds more than \(limits.entries) parts")
            }
            switch entry.type {
            case .directory: continue
            case .symlink: throw DocumentError("it contains a symbolic link, which no office document has")
            case .file: break
            }
            let path = entry.path
            // Part names reach the terminal in messages and findings; no office document
            // names a part with control characters (an escape sequence would be a hostile one).
            guard !UntrustedLabel.hasControlCharacters(path) else {
                throw DocumentError("a part's name holds control characters, which no office document has")
            }
            guard entries[path] == nil else { throw DocumentError("the part \(path) appears twice") }
            guard entry.uncompressedSize <= UInt64(limits.partBytes) else {
                throw DocumentError("the part \(path) unpacks to more than \(limits.partBytes >> 20) MiB")
            }
            if entry.uncompressedSize > UInt64(limits.ratioFloor),
               entry.uncompressedSize / max(entry.compressedSize, 1) > UInt64(limits.ratio) {
                throw DocumentError("the part \(path) is compressed more than \(limits.ratio):1, as in a ZIP bomb")
            }
            declared += entry.uncompressedSize
            guard declared <= UInt64(limits.totalBytes) else {
                throw DocumentError("it unpacks to more than \(limits.totalBytes >> 20) MiB")
            }
            entries[path] = entry
            parts.append(path)
        }
        // ZIPFoundation stops at the first central-directory record it cannot read, so a
        // damaged directory looks like a short archive. Compare with the count it declares.
        if let declaredEntries, declaredEntries != seen {
            throw DocumentError("its table of contents is damaged")
        }
        self.parts = parts
        self.entries = entries
    }

    func contains(_ part: String) -> Bool { entries[part] != nil }

    /// The whole part, inflated and CRC-checked, never more than its limit however the
    /// headers lie.
    func read(_ part: String) throws -> [UInt8] {
        guard let entry = entries[part] else { throw DocumentError("the part \(part) is missing") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(entry.uncompressedSize, 1 << 24)))
        let limit = min(limits.partBytes, Int(entry.uncompressedSize))
        do {
            // ZIPFoundation computes the checksum but leaves comparing it to the caller.
            let checksum = try archive.extract(entry, skipCRC32: false) { chunk in
                guard bytes.count + chunk.count <= limit else { throw DocumentError("the part \(part) is larger than its header says") }
                bytes += chunk
            }
            guard checksum == entry.checksum else { throw Archive.ArchiveError.invalidCRC32 }
        } catch let error as DocumentError {
            throw error
        } catch {
            throw DocumentError("the part \(part) is damaged (\(Self.describe(error)))")
        }
        guard bytes.count == Int(entry.uncompressedSize) else { throw DocumentError("the part \(part) is shorter than its header says") }
        return bytes
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case Archive.ArchiveError.invalidCRC32: return "checksum mismatch"
        case Archive.ArchiveError.invalidCompressionMethod: return "unknown compression"
        default: return "cannot inflate it"
        }
    }

    /// The entry count in the end-of-central-directory record (the last one in `tail`), or
    /// nil when it defers to ZIP64. ZIPFoundation stops at the first directory record it
    /// cannot read, so a damaged directory would otherwise look like a shorter archive.
    static func declaredEntryCount(_ tail: [UInt8]) -> Int? {
        guard tail.count >= 22 else { return nil }
        for start in stride(from: tail.count - 22, through: 0, by: -1)
        where tail[start] == 0x50 && tail[start + 1] == 0x4B && tail[start + 2] == 0x05 && tail[start + 3] == 0x06 {
            let count = Int(tail[start + 10]) | Int(tail[start + 11]) << 8
            return count == 0xFFFF ? nil : count
        }
        return nil
    }
}
