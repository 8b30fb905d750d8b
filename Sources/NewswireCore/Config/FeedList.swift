import Foundation

/// Reads a feed list: OPML (outline elements with xmlUrl) or a URL list as people write them: one feed per
/// line, blank lines and `#` comments (a whole line, or from a `#` after whitespace to the end of the line), and
/// newsboat's `urls` syntax after the URL: tags, double-quoted when they hold spaces, `"~Title"` for the title,
/// and `!` (newsboat's hidden marker, accepted and ignored). Anything that is not an http(s) URL is an error
/// naming the file and line; newsboat's query, `exec:` and `filter:` feeds are refused with a message that says so.
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
        return try parseURLList(text, file: file)
    }

    /// The feeds of a URL list (see the type's description), first occurrence of a URL kept.
    public static func parseURLList(_ text: String, file: String) throws(ConfigError) -> [FeedConfig] {
        var feeds: [FeedConfig] = []
        var seen = Set<String>()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let tokens: [String]
            do { tokens = try words(raw) } catch { throw ConfigError(file: file, line: n + 1, message: error.message) }
            guard let url = tokens.first else { continue }
            let lower = url.lowercased()
            if lower.hasPrefix("query:") || lower.hasPrefix("\"query:") {
                throw ConfigError(file: file, line: n + 1, message: "newsboat query feeds are not supported: a feed list names feeds by URL")
            }
            if lower.hasPrefix("exec:") || lower.hasPrefix("filter:") {
                throw ConfigError(file: file, line: n + 1, message: "newsboat '\(url.prefix { $0 != ":" }):' feeds run a command; newswired fetches only http(s) URLs")
            }
            guard isHTTPURL(url) else {
                throw ConfigError(file: file, line: n + 1, message: "expected an http(s) URL, got '\(raw.trimmingCharacters(in: .whitespaces))'")
            }
            var feed = FeedConfig(url: url)
            for t in tokens.dropFirst() {
                if t == "!" { continue }
                if t.hasPrefix("~") { feed.title = String(t.dropFirst()); continue }
                if !feed.tags.contains(t) { feed.tags.append(t) }
            }
            if seen.insert(url).inserted { feeds.append(feed) }
        }
        return feeds
    }

    /// An absolute http or https URL with a host and nothing a URL cannot hold (spaces, quotes, controls).
    static func isHTTPURL(_ s: String) -> Bool {
        guard !s.unicodeScalars.contains(where: { $0.value <= 0x20 || $0 == "\"" || $0 == "<" || $0 == ">" || $0.value == 0x7F }),
              let c = URLComponents(string: s), let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = c.host, !host.isEmpty else { return false }
        return true
    }

    private struct LineError: Error { let message: String }

    /// The words of one line: split at whitespace, `"…"` groups a word with spaces (`\"` inside it is a quote),
    /// a `#` at the start of a word ends the line.
    private static func words(_ line: Substring) throws(LineError) -> [String] {
        var out: [String] = []
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c.isWhitespace { i = line.index(after: i); continue }
            if c == "#" { break }
            var word = ""
            if c == "\"" {
                i = line.index(after: i)
                var closed = false
                while i < line.endIndex {
                    let d = line[i]
                    if d == "\\", line.index(after: i) < line.endIndex, line[line.index(after: i)] == "\"" {
                        word.append("\""); i = line.index(i, offsetBy: 2); continue
                    }
                    if d == "\"" { closed = true; i = line.index(after: i); break }
                    word.append(d)
                    i = line.index(after: i)
                }
                guard closed else { throw LineError(message: "a quoted word is not closed: \(line.trimmingCharacters(in: .whitespaces))") }
            } else {
                while i < line.endIndex, !line[i].isWhitespace {
                    word.append(line[i])
                    i = line.index(after: i)
                }
            }
            out.append(word)
        }
        return out
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
