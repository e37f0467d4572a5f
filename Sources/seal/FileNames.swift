import ArgumentParser
import Foundation
import SealCore

enum FileNames {
    /// Names become file names: refuse anything that could escape the output directory.
    static func requireSafe(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) })
        else { throw CLIError("--name must be 1-64 letters, digits, '-', '_' or '.', not starting with '.'") }
    }

    static func refuseExisting(_ paths: [String]) throws {
        for path in paths where FileManager.default.fileExists(atPath: path) {
            throw CLIError("\(path) already exists; refusing to overwrite a key")
        }
    }
}
