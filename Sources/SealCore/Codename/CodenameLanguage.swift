import Foundation

/// The scripts a codename can be written in (docs/FORMAT.md §5). One codename has the same 12 word
/// positions in every language, so a source may read it in one script and type it in another.
public enum CodenameLanguage: String, CaseIterable, Sendable {
    case english
    case korean
    case chineseSimplified

    /// Lets the CLI and the web page pick a language from a user's locale or flag without
    /// each keeping its own table: accepts BCP 47 tags ("en-GB", "ko", "zh-Hans", "zh-TW"),
    /// the raw values, and the BIP39 file names ("chinese_simplified").
    public init?(tag: String) {
        let lowered = tag.lowercased()
            .replacingOccurrences(of: "_", with: "-")
            .trimmingCharacters(in: .whitespaces)
        switch lowered {
        case "english": self = .english
        case "korean": self = .korean
        case "chinesesimplified", "chinese-simplified", "chinese": self = .chineseSimplified
        default:
            let primary = lowered.split(separator: "-").first.map(String.init) ?? ""
            switch primary {
            case "en": self = .english
            case "ko": self = .korean
            // Only the simplified list is offered; parsing also accepts the traditional forms
            // of its characters, so a reader of traditional script is not locked out.
            case "zh": self = .chineseSimplified
            default: return nil
            }
        }
    }

    /// The language's own name, so a person who reads no English can still find theirs.
    public var nativeName: String {
        switch self {
        case .english: return "English"
        case .korean: return "한국어"
        case .chineseSimplified: return "简体中文"
        }
    }
}
