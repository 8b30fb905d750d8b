/// Turns feed text into the plain text of the schema. HTML goes through libxml2's HTML parser
/// (entities decoded, block elements become line breaks, script/style dropped); text without `<` or `&`
/// takes a fast path that only collapses whitespace. The output is never markup.
enum PlainText {
    /// Collapses every run of whitespace to one space and trims. For text that is already plain.
    static func collapse(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var pendingSpace = false
        for ch in s.unicodeScalars {
            if isSpace(ch) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.unicodeScalars.append(" "); pendingSpace = false }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// HTML (a fragment or a page) to plain text.
    static func fromHTML(_ html: String) -> String {
        if !html.utf8.contains(UInt8(ascii: "<")) && !html.utf8.contains(UInt8(ascii: "&")) {
            return collapse(html)
        }
        let extractor = HTMLTextExtractor()
        HTMLStreamParser.parse(utf8: Array(html.utf8), sink: extractor)
        return extractor.result()
    }

    /// Text that may or may not be HTML (RSS without a type): HTML-looking text is converted, other text collapsed.
    static func guess(_ s: String) -> String {
        looksLikeHTML(s) ? fromHTML(s) : collapse(s)
    }

    /// `<` followed by a letter, `/`, `!` or `?`, or an entity reference (`&amp;`, `&#38;`, `&#x26;`).
    static func looksLikeHTML(_ s: String) -> Bool {
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            let c = u[i]
            if c == UInt8(ascii: "<"), i + 1 < u.count {
                let n = u[i + 1]
                if isLetter(n) || n == UInt8(ascii: "/") || n == UInt8(ascii: "!") || n == UInt8(ascii: "?") { return true }
            } else if c == UInt8(ascii: "&"), i + 1 < u.count {
                var j = i + 1
                if u[j] == UInt8(ascii: "#") {
                    j += 1
                    if j < u.count, u[j] == UInt8(ascii: "x") || u[j] == UInt8(ascii: "X") { j += 1 }
                    if j < u.count, isHex(u[j]) { return true }
                } else if isLetter(u[j]) {
                    while j < u.count, isLetter(u[j]) || isHex(u[j]) { j += 1 }
                    if j < u.count, u[j] == UInt8(ascii: ";") { return true }
                }
            }
            i += 1
        }
        return false
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    private static func isHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B: return true
        default: return false
        }
    }
}

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

/// Collects `<link rel="alternate" type="…rss/atom/feed+json…" href>` of an HTML page.
final class HTMLAlternateCollector: HTMLEventSink {
    private(set) var hrefs: [String] = []
    private(set) var base: String?
    private static let feedTypes: Set<String> = ["application/rss+xml", "application/atom+xml", "application/feed+json",
                                                  "application/rdf+xml", "application/json"]

    func startElement(_ name: String, attributes: [(name: String, value: String)]) {
        if name == "base", base == nil, let href = attributes.first(where: { $0.name.lowercased() == "href" })?.value {
            base = href
        }
        guard name == "link" else { return }
        var rel = "", type = "", href: String?
        for a in attributes {
            switch a.name.lowercased() {
            case "rel": rel = a.value.lowercased()
            case "type": type = a.value.lowercased().trimmingSpaces()
            case "href": href = a.value.trimmingSpaces()
            default: break
            }
        }
        let rels = rel.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        if rels.contains("alternate"), Self.feedTypes.contains(type), let href, !href.isEmpty { hrefs.append(href) }
    }

    func endElement(_ name: String) {}
    func text(_ s: String) {}
}

extension String {
    /// Trims ASCII whitespace at both ends.
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !PlainText.isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !PlainText.isSpace($0) })!
        return String(scalars[first...last])
    }
}
