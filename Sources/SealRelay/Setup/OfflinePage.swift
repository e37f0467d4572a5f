import Crypto
import Foundation
import SealCore

/// The offline page (README "The offline page"): the submission page as one self-contained
/// HTML file that an organisation hands out by trusted channels. Scripts, styles,
/// translations, word lists, the signed bundle and the pinned fingerprint are all inside,
/// so a hostile or seized relay can no longer change the code a source runs; the page's
/// only network use is the relay API, at the relays the bundle lists.
///
/// Each script becomes a `data:` module under a bare name (`sealrelay/app.js`) in an
/// import map, because a page opened from a file cannot load modules from files beside it.
public struct OfflinePage: Sendable {
    public let html: String

    /// SHA-256 of the file, for the organisation to publish beside it.
    public var sha256: String { Hex.encode(SHA256.hash(data: Array(html.utf8))) }

    /// - Parameter firstRelays: relays to try before the bundle's own, in this order.
    public init(config: RelayConfig, firstRelays: [String] = []) throws {
        let bundleBytes = try InputFile.readAll(path: config.path(config.bundle), limit: 1 << 20)
        let bundle = try RecipientBundle.verifySelfSigned(bundleBytes)
        guard let web = try WebRoutes.installed(organisationFingerprint: bundle.organisation.fingerprint, decoys: config.decoys) else {
            throw ConfigError("the submission page is not installed beside sealrelayd")
        }
        var relays = bundle.relays.filter { $0.hasPrefix("https://") }
        for first in firstRelays.reversed() {
            guard first.hasPrefix("https://") else { throw ConfigError("--relay must be an https:// URL") }
            relays.removeAll { $0 == first }
            relays.insert(first, at: 0)
        }
        guard let relay = relays.first else { throw ConfigError("the bundle lists no https:// relay for the page to send to") }
        html = try Self.build(assets: web.assets, bundle: bundleBytes, relays: relays, relay: relay)
    }

    static func build(assets: [String: WebRoutes.Asset], bundle: [UInt8], relays: [String], relay: String) throws -> String {
        func text(_ path: String) throws -> String {
            guard let asset = assets[path] else { throw ConfigError("the submission page is missing \(path)") }
            return String(decoding: asset.bytes, as: UTF8.self)
        }
        var i18n: [String: Any] = [:]
        for language in ["en", "ko", "zh"] {
            i18n[language] = try JSONSerialization.jsonObject(with: Data(try text("/i18n/\(language).json").utf8))
        }
        var wordlists: [String: String] = [:]
        for name in CodenameWordlistFiles.names { wordlists[name] = try text("/wordlists/\(name).txt") }
        let offline: [String: Any] = [
            "relay": relay, "relays": relays, "bundle": Base64URL.encode(bundle),
            "i18n": i18n, "wordlists": wordlists, "powWorker": try text("/js/pow-worker.js"),
        ]
        var imports: [String: String] = [:]
        for (path, asset) in assets where path.hasPrefix("/js/") && path.hasSuffix(".js") {
            let name = String(path.dropFirst("/js/".count))
            let source = String(decoding: asset.bytes, as: UTF8.self)
                .replacingOccurrences(of: "from './", with: "from 'sealrelay/")
                .replacingOccurrences(of: "import './", with: "import 'sealrelay/")
                .replacingOccurrences(of: "import('./", with: "import('sealrelay/")
            imports["sealrelay/\(name)"] = "data:text/javascript;base64," + Data(source.utf8).base64EncodedString()
        }
        let origins = Set(relays.compactMap { URL(string: $0).flatMap { u in u.host.map { "https://\($0)\(u.port.map { ":\($0)" } ?? "")" } } })
        let policy = "default-src 'none'; script-src 'unsafe-inline' data:; worker-src blob:; style-src 'unsafe-inline'; "
            + "img-src blob: data:; connect-src \(origins.sorted().joined(separator: " ")); base-uri 'none'; form-action 'none'"

        var page = try text("/index.html")
        let stylesheet = "<link rel=\"stylesheet\" href=\"/style.css\">"
        let script = "<script type=\"module\" src=\"/js/app.js\"></script>"
        guard page.contains(stylesheet), page.contains(script), page.contains("<meta charset=\"utf-8\">") else {
            throw ConfigError("the submission page's index.html is not the one this sealrelayd knows")
        }
        page = page.replacingOccurrences(of: "<meta charset=\"utf-8\">", with:
            "<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"\(policy)\">")
        page = page.replacingOccurrences(of: stylesheet, with: "<style>\n\(try text("/style.css"))</style>")
        page = page.replacingOccurrences(of: script, with: """
            <script type="application/json" id="sealrelay-offline">\(try Self.scriptSafeJSON(offline))</script>
            <script type="importmap">\(try Self.scriptSafeJSON(["imports": imports]))</script>
            <script type="module">import 'sealrelay/app.js';</script>
            """)
        return page
    }

    /// JSON that cannot end the script element it sits in: every `<` is written as `\u003c`.
    static func scriptSafeJSON(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}
