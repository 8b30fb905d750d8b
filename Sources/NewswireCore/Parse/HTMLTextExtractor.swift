/// Collects the visible text of an HTML document from libxml2's HTML SAX events (`HTMLTextParser`):
/// script/style and the like are dropped, block elements break lines, text is collapsed byte by byte.
struct HTMLTextExtractor {
    /// What an element does to the text around it.
    enum Kind { case dropped, block, inline }

    private static let dropped: Set<String> = ["script", "style", "noscript", "template", "head", "title"]
    private static let blocks: Set<String> = [
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "main", "nav", "ol", "p",
        "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    ]

    /// The kind of an element name as libxml2's HTML parser reports it (lower-cased).
    static func kind(of name: String) -> Kind {
        dropped.contains(name) ? .dropped : blocks.contains(name) ? .block : .inline
    }

    private var text = TextCollapser(capacity: 256)
    private var skipDepth = 0

    init(capacity: Int) { text = TextCollapser(capacity: capacity) }

    mutating func startElement(_ kind: Kind) {
        switch kind {
        case .dropped: skipDepth += 1
        case .block: text.breakLine()
        case .inline: break
        }
    }

    mutating func endElement(_ kind: Kind) {
        switch kind {
        case .dropped: if skipDepth > 0 { skipDepth -= 1 }
        case .block: text.breakLine()
        case .inline: break
        }
    }

    var keepsText: Bool { skipDepth == 0 }

    mutating func append(contentsOf bytes: Span<UInt8>) {
        text.append(contentsOf: bytes)
    }

    func result() -> String { text.string() }
}
