import Foundation

/// JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1) into the feed schema, via JSONSerialization.
enum JSONFeedParser {
    static func parse(_ data: Data, documentURL: String?, limits: ParseLimits) throws(ParseError) -> ParsedFeed {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ParseError(.malformed, "invalid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw ParseError(.notAFeed, "JSON document is not an object") }
        if let rss = root["rss"] as? [String: Any], let channel = rss["channel"] as? [String: Any] {
            return try rssInJSON(channel, documentURL: documentURL, limits: limits)
        }
        let version = root["version"] as? String ?? ""
        guard version.contains("jsonfeed.org/version/") || root["items"] is [Any] else {
            throw ParseError(.notAFeed, "JSON document is not a JSON Feed (no version, no items)")
        }
        func str(_ d: [String: Any], _ k: String) -> String? {
            guard let s = d[k] as? String else { return nil }
            let t = s.trimmingSpaces()
            return t.isEmpty ? nil : t
        }
        var unsafeURLs = 0
        func url(_ d: [String: Any], _ k: String) -> String? {
            guard let s = str(d, k) else { return nil }
            switch URLSafety.check(s, base: documentURL) {
            case .safe(let u): return u
            case .unsafe: unsafeURLs += 1; return nil
            case .empty: return nil
            }
        }
        func author(_ d: [String: Any]) -> String? {
            if let list = d["authors"] as? [[String: Any]], let first = list.first(where: { str($0, "name") != nil }) {
                return str(first, "name")
            }
            if let a = d["author"] as? [String: Any] { return str(a, "name") }
            return nil
        }
        var feed = ParsedFeed(format: .jsonFeed)
        feed.feed.title = str(root, "title").map(PlainText.collapse)
        feed.feed.link = url(root, "home_page_url")
        feed.feed.subtitle = str(root, "description").map(PlainText.collapse)
        feed.feed.id = str(root, "feed_url")
        feed.feed.language = str(root, "language")
        feed.feed.author = author(root)
        feed.feed.image = url(root, "icon") ?? url(root, "favicon")
        let items = root["items"] as? [Any] ?? []
        guard items.count <= limits.maxEntries else {
            throw ParseError(.limitExceeded, "more than \(limits.maxEntries) entries")
        }
        for case let item as [String: Any] in items {
            var e = FeedEntry()
            if let id = item["id"] as? String { e.id = id.trimmingSpaces() } else if let n = item["id"] as? NSNumber { e.id = n.stringValue }
            e.title = str(item, "title").map(PlainText.guess)
            e.link = url(item, "url") ?? url(item, "external_url")
            e.published = str(item, "date_published").flatMap(FeedDate.parse)
            e.updated = str(item, "date_modified").flatMap(FeedDate.parse)
            e.author = author(item) ?? feed.feed.author
            e.categories = (item["tags"] as? [Any] ?? []).compactMap { ($0 as? String).map(PlainText.collapse) }.filter { !$0.isEmpty }
            e.summary = str(item, "summary").map(PlainText.guess)
            if let html = str(item, "content_html") {
                guard html.utf8.count <= limits.maxFieldBytes else {
                    throw ParseError(.limitExceeded, "content_html exceeds \(limits.maxFieldBytes) bytes")
                }
                e.content = PlainText.fromHTML(html)
            } else if let text = str(item, "content_text") {
                e.content = PlainText.collapse(text)
            }
            for case let a as [String: Any] in item["attachments"] as? [Any] ?? [] {
                guard let u = url(a, "url") else { continue }
                e.enclosures.append(Enclosure(url: u, type: str(a, "mime_type"),
                                              length: (a["size_in_bytes"] as? NSNumber)?.intValue))
            }
            feed.entries.append(e)
        }
        feed.unsafeURLs = unsafeURLs
        return feed
    }

    /// RSS 2.0 serialized as JSON (`{"rss": {"channel": {…, "item": […]}}}`, as scripting.com publishes it).
    private static func rssInJSON(_ channel: [String: Any], documentURL: String?, limits: ParseLimits) throws(ParseError) -> ParsedFeed {
        func str(_ d: [String: Any], _ k: String) -> String? {
            if let s = d[k] as? String { let t = s.trimmingSpaces(); return t.isEmpty ? nil : t }
            if let o = d[k] as? [String: Any], let s = o["#value"] as? String ?? o["value"] as? String {
                let t = s.trimmingSpaces(); return t.isEmpty ? nil : t
            }
            return nil
        }
        var unsafeURLs = 0
        func url(_ s: String?) -> String? {
            guard let s else { return nil }
            switch URLSafety.check(s, base: documentURL) {
            case .safe(let u): return u
            case .unsafe: unsafeURLs += 1; return nil
            case .empty: return nil
            }
        }
        var feed = ParsedFeed(format: .rss20)
        feed.feed.title = str(channel, "title").map(PlainText.guess)
        feed.feed.link = url(str(channel, "link"))
        feed.feed.subtitle = str(channel, "description").map(PlainText.guess)
        feed.feed.language = str(channel, "language")
        feed.feed.updated = str(channel, "lastBuildDate").flatMap(FeedDate.parse)
        feed.feed.generator = str(channel, "generator")
        feed.pollHint.ttlMinutes = str(channel, "ttl").flatMap { Int($0) }
        let items: [[String: Any]]
        if let list = channel["item"] as? [[String: Any]] { items = list }
        else if let one = channel["item"] as? [String: Any] { items = [one] }
        else { items = [] }
        guard items.count <= limits.maxEntries else { throw ParseError(.limitExceeded, "more than \(limits.maxEntries) entries") }
        for item in items {
            var e = FeedEntry()
            e.id = str(item, "guid")
            e.title = str(item, "title").map(PlainText.guess)
            e.link = url(str(item, "link")) ?? e.id.flatMap { $0.hasPrefix("http") ? url($0) : nil }
            e.published = str(item, "pubDate").flatMap(FeedDate.parse)
            e.author = str(item, "author")
            e.summary = str(item, "description").map(PlainText.guess)
            if let cats = item["category"] as? [Any] {
                e.categories = cats.compactMap { $0 as? String }.map(PlainText.collapse).filter { !$0.isEmpty }
            } else if let c = str(item, "category") {
                e.categories = [PlainText.collapse(c)]
            }
            if let enc = item["enclosure"] as? [String: Any], let u = url(str(enc, "url")) {
                e.enclosures.append(Enclosure(url: u, type: str(enc, "type"), length: str(enc, "length").flatMap { Int($0) }))
            }
            feed.entries.append(e)
        }
        feed.unsafeURLs = unsafeURLs
        return feed
    }
}
