import Foundation

/// Archive records as CSV (RFC 4180): a header line, CRLF line ends, a field quoted when it holds a comma,
/// a double quote, CR or LF, with its double quotes doubled. The columns are the archive contract's fields;
/// `categories` are joined with "; ", `topics` written as `id:score` joined with ";", booleans as true/false,
/// absent values as empty fields.
public enum ArchiveCSV {
    public static let columns = [
        "id", "feed", "guid", "url", "title", "published", "fetched", "author", "categories", "summary", "content",
        "relevant", "relevance", "topics", "near_duplicate_of", "revision_of", "story",
    ]

    public static var header: String { columns.joined(separator: ",") + "\r\n" }

    /// One record as one CSV row, CRLF included.
    public static func row(_ r: ArchiveRecord) -> String {
        let fields: [String?] = [
            r.id, r.feed, r.guid, r.url, r.title, r.published.map(ISOTime.format), ISOTime.format(r.fetched), r.author,
            r.categories.joined(separator: "; "), r.summary, r.content, r.relevant ? "true" : "false",
            JSONText.number(r.relevance), r.topics.map { "\($0.id):\(JSONText.number($0.score))" }.joined(separator: ";"),
            r.nearDuplicateOf, r.revisionOf, r.story,
        ]
        var out = ""
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            appendField(f ?? "", to: &out)
        }
        return out + "\r\n"
    }

    static func appendField(_ s: String, to out: inout String) {
        var needsQuotes = false
        for u in s.utf8 where u == 0x2C || u == 0x22 || u == 0x0A || u == 0x0D {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            out += s
            return
        }
        out += "\""
        out += s.replacingOccurrences(of: "\"", with: "\"\"")
        out += "\""
    }
}
