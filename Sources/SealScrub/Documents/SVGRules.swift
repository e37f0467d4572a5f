import Foundation
import SealCore

/// SVG pictures keep their drawing; editors' metadata blocks and their private namespaces
/// (Inkscape and Sodipodi record the file's path and name on the author's disk) go.
enum SVGRules {
    static let svg = "http://www.w3.org/2000/svg"
    static let editorNamespaces: Set<String> = [
        "http://www.inkscape.org/namespaces/inkscape",
        "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    ]

    static var rules: XMLRules { XMLRules(
        dropElement: { name, _ in
            if name == XMLName(svg, "metadata") { return "SVG metadata" }
            return editorNamespaces.contains(name.namespace) ? "drawing-program data" : nil
        },
        attribute: { _, _, name, _ in
            editorNamespaces.contains(name.namespace) ? .drop("drawing-program data (file paths)") : .keep
        }) }
}
