import Foundation
import SealCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What to change while an XML part streams through `XMLRewriter`. Each hook sees a
/// resolved name; answering nil or false leaves the document as it was.
struct XMLRules {
    /// Elements removed with everything inside them. The string says, in plain words, what
    /// the removal took out ("revision IDs"); empty for a removal that needs no mention.
    var dropElement: (XMLName, _ attributes: [XMLName: String]) -> String? = { _, _ in nil }
    /// Elements whose own tags are removed while everything inside them stays (an accepted
    /// tracked insertion becomes plain text). The string is as for `dropElement`.
    var unwrapElement: (XMLName) -> String? = { _ in nil }
    /// What to do with one attribute of an element (whose other attributes are given too).
    var attribute: (_ element: XMLName, _ attributes: [XMLName: String], _ name: XMLName, _ value: String) -> AttributeAction = { _, _, _, _ in .keep }
    /// Rewrites one run of text, given the open elements around it (innermost last);
    /// elements inside keep their own text.
    var textRun: (_ open: [XMLName], _ text: String) -> (String, finding: String)? = { _, _ in nil }
    /// Elements whose text content is replaced (an author's name held as text).
    var replaceText: (XMLName, _ text: String) -> (String, finding: String)? = { _, _ in nil }

    enum AttributeAction {
        case keep
        /// Removed; the string names what went.
        case drop(String)
        /// Replaced by a neutral value; the string names what went.
        case replace(String, String)
    }
}
