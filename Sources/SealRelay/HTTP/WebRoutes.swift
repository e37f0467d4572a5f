import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SealCore

/// The submission page (docs/API.md `GET /`): static files from the package's resources, read
/// once at start-up and served from memory, plus the BIP39 word lists SealCore ships.
///
/// The page is static except for two values from relay.conf, the organisation fingerprint
/// and whether the page sends decoys (`decoys`, "on" or "off"), which the relay writes into
/// `<meta>` tags of index.html (never into a script: the CSP forbids inline script, and a
/// meta tag carries data without becoming code). Only names
/// found in the resource folder are served, looked up in a dictionary, so a request path
/// never reaches the file system.
struct WebRoutes: Sendable {
    struct Asset: Sendable {
        let contentType: String
        let bytes: [UInt8]
    }

    /// Request path ("/index.html", "/js/app.js", "/wordlists/korean.txt") -> asset.
    let assets: [String: Asset]

    /// The placeholder in index.html the fingerprint replaces.
    static let fingerprintPlaceholder = "__ORGANISATION_FINGERPRINT__"
    /// The placeholder in index.html that becomes "on" or "off".
    static let decoysPlaceholder = "__DECOYS__"

    /// The page as installed beside the executable, or nil when it is not there.
    ///
    /// SwiftPM puts resources in `PACKAGE_TARGET.resources` folders next to the executable
    /// (`SealRelay_SealRelay.resources`; SealCore's word lists in
    /// `SealRelay_SealCore.resources`), and `Bundle.module` stops
    /// the program with a fatal error when they are missing. A relay copied without them
    /// must still take reports from the CLI, so the folders are looked for first and
    /// `Bundle.module` is touched only when they exist.
    static func installed(organisationFingerprint: Fingerprint, decoys: Bool) throws -> WebRoutes? {
        let dir = Bundle.main.bundleURL
        for folder in ["SealRelay_SealRelay.resources", "SealRelay_SealCore.resources"] {
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(folder).path) else { return nil }
        }
        guard let root = Bundle.module.url(forResource: "web", withExtension: nil) else { return nil }
        return try WebRoutes(root: root, organisationFingerprint: organisationFingerprint, decoys: decoys)
    }

    init(root: URL, organisationFingerprint: Fingerprint, decoys: Bool) throws {
        var assets: [String: Asset] = [:]
        let rootPath = root.standardizedFileURL.path
        let files = FileManager.default.enumerator(atPath: rootPath)?.allObjects as? [String] ?? []
        for relative in files.sorted() {
            let full = "\(rootPath)/\(relative)"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let type = Self.contentType(of: relative)
            else { continue }
            var bytes = try InputFile.readAll(path: full, limit: 4 << 20)
            if relative == "index.html" {
                let text = String(decoding: bytes, as: UTF8.self)
                guard text.contains(Self.fingerprintPlaceholder), text.contains(Self.decoysPlaceholder) else {
                    throw ConfigError("the submission page has no place for the organisation fingerprint or the decoy setting")
                }
                // Hex digits and "on"/"off" only, so nothing here can break out of the attribute.
                bytes = Array(text.replacingOccurrences(of: Self.fingerprintPlaceholder, with: organisationFingerprint.hex)
                    .replacingOccurrences(of: Self.decoysPlaceholder, with: decoys ? "on" : "off").utf8)
            }
            assets["/\(relative)"] = Asset(contentType: type, bytes: bytes)
        }
        guard let index = assets["/index.html"] else {
            throw ConfigError("the submission page is missing index.html")
        }
        assets["/"] = index
        for name in CodenameWordlistFiles.names {
            guard let bytes = CodenameWordlistFiles.bytes(named: name) else {
                throw ConfigError("SealCore's word list \(name).txt is missing or damaged")
            }
            assets["/wordlists/\(name).txt"] = Asset(contentType: "text/plain; charset=utf-8", bytes: bytes)
        }
        self.assets = assets
    }

    /// Only these kinds of file are served; anything else in the folder (an editor's backup
    /// file, say) is not.
    static func contentType(of path: String) -> String? {
        switch URL(fileURLWithPath: path).pathExtension {
        case "html": return "text/html; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json": return "application/json"
        case "svg": return "image/svg+xml"
        case "txt": return "text/plain; charset=utf-8"
        default: return nil
        }
    }

    func addRoutes(to group: RouterGroup<RelayRequestContext>) {
        for (path, asset) in assets {
            group.get(RouterPath(path)) { _, _ in
                Response(status: .ok, headers: [.contentType: asset.contentType],
                         body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
            }
        }
    }
}
