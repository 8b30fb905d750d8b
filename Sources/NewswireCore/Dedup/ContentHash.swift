import Crypto
import Foundation

/// An item's identity: the hex SHA-256 of its normalized title and normalized body.
///
/// The body is the content when the feed gives one, else the summary. An item with neither title nor
/// body (a bare link) is identified by its canonical URL, else its GUID, so that such items do not all
/// collapse onto the hash of the empty text.
public enum ContentHash {
    public static func of(title: String?, body: String?, url: String? = nil, guid: String? = nil) -> String {
        let t = TextNormalizer.normalize(title ?? "")
        let b = TextNormalizer.normalize(body ?? "")
        var material = t + "\n" + b
        if t.isEmpty && b.isEmpty {
            material += "\n" + (url.flatMap(URLCanonicalizer.matchKey) ?? guid ?? "")
        }
        let digest = SHA256.hash(data: Data(material.utf8))
        return digest.map { byte in
            let h = String(byte, radix: 16)
            return byte < 16 ? "0" + h : h
        }.joined()
    }

    public static func of(_ entry: FeedEntry) -> String {
        of(title: entry.title, body: entry.content ?? entry.summary, url: entry.link, guid: entry.id)
    }
}
