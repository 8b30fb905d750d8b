import Foundation

/// Reads a feed list: OPML (outline elements with xmlUrl) or plain text, one URL per line, `#` comments.
public enum FeedList {
    public static func load(file: String) throws(ConfigError) -> [FeedConfig] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigError(file: file, message: "cannot read the feed list (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, message: "the feed list is not UTF-8 text")
        }
        let head = text.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })
        if head.hasPrefix("<") {
            return try OPML.parseFeeds(data, file: file)
        }
        var feeds: [FeedConfig] = []
        var seen = Set<String>()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let lower = line.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), URL(string: line)?.host != nil else {
                throw ConfigError(file: file, line: n + 1, message: "expected an http(s) URL, got '\(line)'")
            }
            if seen.insert(line).inserted { feeds.append(FeedConfig(url: line)) }
        }
        return feeds
    }
}

/// OPML 2.0 feed lists (the outline `xmlUrl` attributes; enclosing outlines become tags).
public enum OPML {
    public static func parseFeeds(_ data: Data, file: String) throws(ConfigError) -> [FeedConfig] {
        let reader = OPMLReader()
        do {
            let report = try XMLStreamParser.parse(utf8: Array(data), sink: reader, limits: .default)
            if let problem = report.firstError, reader.feeds.isEmpty {
                throw ParseError(.malformed, problem)
            }
        } catch {
            throw ConfigError(file: file, message: "not well-formed OPML: \(error)")
        }
        return reader.feeds
    }

    /// OPML 2.0 text for a feed list.
    public static func render(_ feeds: [FeedConfig], title: String = "newswired feeds") -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head><title>\(esc(title))</title></head>\n  <body>\n"
        for f in feeds {
            let t = esc(f.title ?? f.url)
            var attrs = "type=\"rss\" text=\"\(t)\" title=\"\(t)\" xmlUrl=\"\(esc(f.url))\""
            if !f.tags.isEmpty { attrs += " category=\"\(esc(f.tags.joined(separator: ",")))\"" }
            out += "    <outline \(attrs)/>\n"
        }
        return out + "  </body>\n</opml>\n"
    }
}

/// Collects the feeds of an OPML document from libxml2's streaming events.
private final class OPMLReader: XMLEventSink {
    var feeds: [FeedConfig] = []
    private var seen = Set<String>()
    private var folders: [String?] = []

    func startElement(local: String, prefix: String?, namespace: String?, attributes: [XMLAttribute]) throws(ParseError) {
        guard local == "outline" else { return }
        var attrs: [String: String] = [:]
        for a in attributes { attrs[a.local] = a.value }
        if let url = attrs["xmlUrl"] ?? attrs["xmlurl"], !url.isEmpty {
            var tags = folders.compactMap { $0 }
            if let cats = attrs["category"] {
                tags += cats.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }.filter { !$0.isEmpty }
            }
            if seen.insert(url).inserted {
                feeds.append(FeedConfig(url: url, title: attrs["title"] ?? attrs["text"], tags: tags))
            }
            folders.append(nil)
        } else {
            folders.append(attrs["title"] ?? attrs["text"])
        }
    }

    func endElement(local: String, prefix: String?, namespace: String?) throws(ParseError) {
        if local == "outline", !folders.isEmpty { folders.removeLast() }
    }

    func text(_ s: String) throws(ParseError) {}
}
