/// Collects the visible text of an HTML document from libxml2's HTML SAX events.
final class HTMLTextExtractor: HTMLEventSink {
    private static let dropped: Set<String> = ["script", "style", "noscript", "template", "head", "title"]
    private static let blocks: Set<String> = [
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "main", "nav", "ol", "p",
        "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    ]
    private var lines: [String] = []
    private var current = ""
    private var skipDepth = 0

    func startElement(_ name: String, attributes: [(name: String, value: String)]) {
        if Self.dropped.contains(name) { skipDepth += 1 } else if Self.blocks.contains(name) { breakLine() }
    }

    func endElement(_ name: String) {
        if Self.dropped.contains(name) { if skipDepth > 0 { skipDepth -= 1 } } else if Self.blocks.contains(name) { breakLine() }
    }

    func text(_ s: String) {
        if skipDepth == 0 { current += s }
    }

    private func breakLine() {
        let line = PlainText.collapse(current)
        if !line.isEmpty { lines.append(line) }
        current = ""
    }

    func result() -> String {
        breakLine()
        return lines.joined(separator: "\n")
    }
}
