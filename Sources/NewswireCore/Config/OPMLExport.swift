import Foundation

extension OPML {
    /// OPML 2.0 in the shape feed readers (Miniflux, FreshRSS, NetNewsWire) export and import: each feed's first
    /// tag becomes its folder (an enclosing `outline`), further tags its `category` attribute, untagged feeds sit
    /// at the top. `parseFeeds` reads it back to the same URLs, titles and tags.
    public static func renderFolders(_ feeds: [FeedConfig], title: String = "newswired feeds", now: Date = Date()) -> String {
        func esc(_ s: String) -> String {
            var out = ""
            for u in s.unicodeScalars {
                switch u {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "\n", "\r", "\t": out += " "
                default: if u.value >= 0x20 { out.unicodeScalars.append(u) }
                }
            }
            return out
        }
        func outline(_ f: FeedConfig, indent: String) -> String {
            let t = esc(f.title ?? f.url)
            var attrs = "type=\"rss\" text=\"\(t)\" title=\"\(t)\" xmlUrl=\"\(esc(f.url))\""
            let extra = f.tags.dropFirst()
            if !extra.isEmpty { attrs += " category=\"\(esc(extra.joined(separator: ",")))\"" }
            return "\(indent)<outline \(attrs)/>\n"
        }
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0">
              <head>
                <title>\(esc(title))</title>
                <dateCreated>\(HTTPDateText.format(now))</dateCreated>
              </head>
              <body>

            """
        var folders: [String] = []
        var byFolder: [String: [FeedConfig]] = [:]
        for f in feeds {
            guard let folder = f.tags.first else {
                out += outline(f, indent: "    ")
                continue
            }
            if byFolder[folder] == nil { folders.append(folder) }
            byFolder[folder, default: []].append(f)
        }
        for folder in folders {
            out += "    <outline text=\"\(esc(folder))\" title=\"\(esc(folder))\">\n"
            for f in byFolder[folder]! { out += outline(f, indent: "      ") }
            out += "    </outline>\n"
        }
        return out + "  </body>\n</opml>\n"
    }
}

/// RFC 822 dates as OPML's `dateCreated` wants them ("Mon, 23 Nov 2026 17:00:00 GMT").
enum HTTPDateText {
    static func format(_ date: Date) -> String {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = Int(t >= 0 ? t / 86_400 : (t - 86_399) / 86_400)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
        let iso = ISOTime.format(date)  // YYYY-MM-DDTHH:MM:SSZ
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let y = iso.prefix(4), m = Int(iso.dropFirst(5).prefix(2)) ?? 1, d = iso.dropFirst(8).prefix(2)
        return "\(weekday), \(d) \(months[m - 1]) \(y) \(iso.dropFirst(11).prefix(8)) GMT"
    }
}
