import Foundation

/// Canonical article URLs: lower-case scheme and host, no default port, no fragment, no tracking
/// parameters (utm_*, fbclid, gclid, …), remaining query parameters in their original order.
public enum URLCanonicalizer {
    /// Query parameters that only track the reader.
    static let trackingNames: Set<String> = [
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid",
        "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "rb_clickid", "s_cid", "ncid",
        "cmpid", "ref_src", "ref_url", "spm", "share", "at_medium", "at_campaign",
    ]

    static func isTracking(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.hasPrefix("utm_") || trackingNames.contains(n)
    }

    public static func canonicalize(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, var c = URLComponents(string: trimmed) else { return nil }
        guard let scheme = c.scheme?.lowercased() else { return trimmed }
        c.scheme = scheme
        if let host = c.host { c.host = host.lowercased() }
        if (scheme == "http" && c.port == 80) || (scheme == "https" && c.port == 443) { c.port = nil }
        c.fragment = nil
        if let items = c.queryItems {
            let kept = items.filter { !isTracking($0.name) }
            c.queryItems = kept.isEmpty ? nil : kept
        }
        if c.path.isEmpty, c.host != nil { c.path = "/" }
        return c.string ?? trimmed
    }

    /// A comparison key that also ignores the scheme and a trailing slash (for matching copies of a URL).
    public static func matchKey(_ raw: String) -> String? {
        guard var s = canonicalize(raw) else { return nil }
        if let r = s.range(of: "://") { s = String(s[r.upperBound...]) }
        if s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
