import Crypto
import Foundation

/// The JSON a webhook receives, and its signature.
///
///     {"delivery":"…","sent_at":"2025-07-26T09:30:02Z","event":"alert","output":"hooks.example.org",
///      "story":{"id":"…","outlets":3,"first_item":{archive record}},"item":{archive record}}
///
/// `item` and `first_item` are archive records (`schema: 1`, README "The archive"). The members after `sent_at`
/// are built when the delivery is queued (in the item's transaction) and stored; `delivery` and `sent_at` are
/// put in front at each attempt, so the signature covers the time of sending.
public enum OutputPayload {
    /// The stored members (no braces). Past `maxBytes` the records' `content`, then their `summary`, are left
    /// out (null) and `"truncated":true` says so.
    public static func members(event: Delivery.Event, output: String, item: ArchiveRecord, story: String,
                               firstItem: ArchiveRecord?, outlets: Int, maxBytes: Int) -> String {
        func build(_ item: ArchiveRecord, _ first: ArchiveRecord?, truncated: Bool) -> String {
            var out = "\"event\":\(JSONText.string(event.rawValue)),\"output\":\(JSONText.string(output)),"
            out += "\"story\":{\"id\":\(JSONText.string(story)),\"outlets\":\(outlets),\"first_item\":"
            out += first.map { $0.jsonLine() } ?? "null"
            out += "},\"item\":" + item.jsonLine()
            if truncated { out += ",\"truncated\":true" }
            return out
        }
        var item = item, first = firstItem
        var text = build(item, first, truncated: false)
        // Bounded: the envelope adds ~120 bytes.
        if text.utf8.count + 160 > maxBytes {
            item.content = nil
            first?.content = nil
            text = build(item, first, truncated: true)
        }
        if text.utf8.count + 160 > maxBytes {
            item.summary = nil
            first?.summary = nil
            text = build(item, first, truncated: true)
        }
        return text
    }

    /// The body of one attempt: the stored members behind the delivery's key and the time of sending.
    public static func body(key: String, sentAt: Date, members: String) -> [UInt8] {
        Array("{\"delivery\":\(JSONText.string(key)),\"sent_at\":\(JSONText.string(ISOTime.format(sentAt))),\(members)}".utf8)
    }

    /// `sha256=<hex>`: HMAC-SHA256 of the raw body with the secret (GitHub's `X-Hub-Signature-256` scheme).
    public static func signature(body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A delivery's idempotency key: the same output, event and item always give the same key, so a queue
    /// written again after a rolled-back batch keeps it.
    public static func key(output: String, event: Delivery.Event, itemID: String) -> String {
        let digest = SHA256.hash(data: Array("\(output)\n\(event.rawValue)\n\(itemID)".utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
