/// Builds markup text (SVG and the HTML around it). Every attribute value and text passes
/// through `ReportText.escape` here, so callers hand over raw strings and nothing they hold,
/// a hostile topic name or command line included, can open a tag.
struct MarkupWriter: Sendable {
    private(set) var text = ""
    /// Elements opened and not yet closed, to catch a mismatched `close`.
    private var open: [String] = []
    /// Deeper than any report nests; a runaway recursion would fail here, not fill memory.
    private static let depthMax = 64

    /// `<name a="v" …>`, closed later by `close(name)`.
    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        precondition(open.count < Self.depthMax, "markup nests at most \(Self.depthMax) deep")
        text += "<" + name + Self.attributes(attributes) + ">"
        open.append(name)
    }

    mutating func close(_ name: String) {
        precondition(open.last == name, "closing \(name) but the innermost open element is \(open.last ?? "none")")
        open.removeLast()
        text += "</" + name + ">\n"
    }

    /// `<name a="v" …/>` (SVG) — for HTML void elements use `void`.
    mutating func leaf(_ name: String, _ attributes: [(String, String)]) {
        text += "<" + name + Self.attributes(attributes) + "/>\n"
    }

    /// `<name a="v" …>` with no end tag (HTML void elements: meta, br).
    mutating func void(_ name: String, _ attributes: [(String, String)]) {
        text += "<" + name + Self.attributes(attributes) + ">\n"
    }

    /// `<name …>text</name>`, the text escaped.
    mutating func element(_ name: String, _ attributes: [(String, String)] = [], text content: String) {
        text += "<" + name + Self.attributes(attributes) + ">" + ReportText.escape(content) + "</" + name + ">\n"
    }

    /// Markup known to be safe because this module made it (a rendered chart, the style sheet).
    mutating func raw(_ markup: String) { text += markup }

    /// The finished text; every element must be closed.
    var finished: String {
        precondition(open.isEmpty, "unclosed elements: \(open)")
        return text
    }

    private static func attributes(_ attributes: [(String, String)]) -> String {
        attributes.map { " " + $0.0 + "=\"" + ReportText.escape($0.1) + "\"" }.joined()
    }
}
