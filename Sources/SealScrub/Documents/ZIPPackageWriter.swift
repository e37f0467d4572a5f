import Foundation
import SealCore
import ZIPFoundation

/// Writes the cleaned package. Every entry gets the same timestamp (the ZIP epoch,
/// 1980-01-01), the same permissions and no extra fields, so the container says nothing
/// about when, where or on what machine it was last saved.
final class ZIPPackageWriter {
    private let archive: Archive

    /// DOS time is local time: the epoch is built in the local zone so it is stored as
    /// 1980-01-01 00:00 whatever zone the source's device is in.
    static let epoch: Date = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        return calendar.date(from: DateComponents(year: 1980, month: 1, day: 1)) ?? Date(timeIntervalSince1970: 315_532_800)
    }()

    init() throws {
        archive = try Archive(data: Data(), accessMode: .create)
    }

    /// `stored` keeps the bytes uncompressed, as ODF requires for its `mimetype` entry.
    func add(_ part: String, _ bytes: [UInt8], stored: Bool = false) throws {
        let data = Data(bytes)
        try archive.addEntry(with: part, type: .file, uncompressedSize: Int64(data.count),
                             modificationDate: Self.epoch, permissions: 0o644,
                             compressionMethod: stored ? .none : .deflate) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    func finish() -> [UInt8] {
        [UInt8](archive.data ?? Data())
    }
}
