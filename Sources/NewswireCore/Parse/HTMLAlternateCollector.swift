/// Collects `<link rel="alternate" type="…rss/atom/feed+json…" href>` of an HTML page.
final class HTMLAlternateCollector: HTMLEventSink {
    private(set) var hrefs: [String] = []
    private(set) var base: String?
    private static let feedTypes: Set<String> = ["application/rss+xml", "application/atom+xml", "application/feed+json",
                                                  "application/rdf+xml"]

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
