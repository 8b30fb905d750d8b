import Crypto
import Foundation

/// An item's identity: the hex SHA-256 of its normalized title and normalized body.
///
/// The body is the content when the feed gives one, else the summary. An item with neither title nor
/// body (a bare link) is identified by its canonical URL, else its GUID, so that such items do not all
/// collapse onto the hash of the empty text.
public enum ContentHash {
    public static func of(title: String?, body: String?, url: String? = nil, guid: String? = nil) -> String {
        let t = TextNormalizer.normalizedUTF8(title ?? "")
        let b = TextNormalizer.normalizedUTF8(body ?? "")
        // SHA-256 of t + "\n" + b (+ "\n" + URL or GUID for a bare link), fed in pieces.
        var hasher = SHA256()
        hasher.update(data: t)
        hasher.update(data: newline)
        hasher.update(data: b)
        if t.isEmpty && b.isEmpty {
            hasher.update(data: Array(("\n" + (url.flatMap(URLCanonicalizer.matchKey) ?? guid ?? "")).utf8))
        }
        let digest = hasher.finalize()
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let newline: [UInt8] = [0x0A]

    public static func of(_ entry: FeedEntry) -> String {
        of(title: entry.title, body: entry.content ?? entry.summary, url: entry.link, guid: entry.id)
    }
}
