import Crypto
import Foundation

/// The BIP39 word list files exactly as SealCore ships them, for the relay to serve to the
/// submission page. The page parses and shows codenames in the browser, so it must use these
/// very bytes: a second copy elsewhere in the repository could drift from the one the CLI
/// uses, and a codename written by one would then not parse in the other.
public enum CodenameWordlistFiles {
    /// The files a client may ask for (without ".txt"): the three codename languages and the
    /// traditional-Chinese spellings the parser also accepts, each with the SHA-256 that
    /// `CodenameWordList` pins, so a damaged install is never served.
    static let pinned: [String: String] = [
        "english": "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda",
        "korean": "9e95f86c167de88f450f0aaf89e87f6624a57f973c67b516e338e8e8b8897f60",
        "chinese_simplified": "5c5942792bd8340cb8b27cd592f1015edf56a8c5b26276ee18a482428e7c5726",
        "chinese_traditional": "417b26b3d8500a4ae3d59717d7011952db6fc2fb84b807f3f94ac734e89c1b5f",
    ]

    public static var names: [String] { pinned.keys.sorted() }

    /// The file's bytes if the name is one of `names` and the file matches its pin; else nil.
    public static func bytes(named name: String) -> [UInt8]? {
        guard let expected = pinned[name],
              let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Wordlists"),
              let data = try? Data(contentsOf: url),
              Hex.encode(SHA256.hash(data: data)) == expected
        else { return nil }
        return Array(data)
    }
}
