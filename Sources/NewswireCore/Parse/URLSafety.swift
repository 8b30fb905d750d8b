/// The one rule for every URL the parser hands out (entry links, the feed link, enclosure and image URLs):
/// resolved against the document's URL and kept only when its scheme is http or https. `javascript:`,
/// `data:`, `vbscript:`, `file:`, `tag:`, `urn:` and every other scheme become nil, so nothing that renders
/// the archive as links can be made to run script or open local files.
///
/// The scheme is read as a browser reads it (WHATWG URL parsing): leading and trailing C0 controls and spaces
/// are dropped and ASCII tabs and newlines removed anywhere first, so `" \u{1}java\tscript:"` is `javascript:`.
/// Character references were decoded by the XML parser before (`&#106;avascript:` arrives as `javascript:`);
/// a reference still in the text (`&amp;#106;…`) cannot start a scheme and resolves as a relative path.
/// A relative reference with no document URL to resolve it against (a file parsed on its own) is kept as it
/// is: it names no scheme, so it cannot run anything. One that cannot be resolved is dropped.
enum URLSafety {
    enum Verdict: Equatable {
        /// Nothing there (empty after cleaning).
        case empty
        /// An http(s) URL, or a relative reference that could not be resolved.
        case safe(String)
        /// Any other scheme: dropped.
        case unsafe
    }

    static func check(_ raw: String, base: String?) -> Verdict {
        let cleaned = clean(raw)
        guard !cleaned.isEmpty else { return .empty }
        if let http = isHTTP(cleaned) { return http ? .safe(cleaned) : .unsafe }
        guard let base, !base.isEmpty else { return .safe(cleaned) }
        guard let resolved = LibXML.resolveURI(cleaned, base: base) else { return .unsafe }
        let r = clean(resolved)
        guard let http = isHTTP(r) else { return .safe(r) }
        return http ? .safe(r) : .unsafe
    }

    /// Whether the scheme of `s` (see `scheme(of:)`) is http or https, any case; nil for a relative reference.
    static func isHTTP(_ s: String) -> Bool? {
        let u = s.utf8.span
        let n = u.count
        if n > 5, u[0] | 0x20 == UInt8(ascii: "h"), u[1] | 0x20 == UInt8(ascii: "t"), u[2] | 0x20 == UInt8(ascii: "t"),
           u[3] | 0x20 == UInt8(ascii: "p"), u[4] == UInt8(ascii: ":") || (u[4] | 0x20 == UInt8(ascii: "s") && u[5] == UInt8(ascii: ":")) {
            return true
        }
        guard let scheme = scheme(of: s) else { return nil }
        return scheme == "http" || scheme == "https"
    }

    /// The reference without leading/trailing C0 controls and spaces, and without tabs and newlines.
    static func clean(_ raw: String) -> String {
        // Most URLs have nothing to clean: no byte at or below 0x20 anywhere.
        let hasSpaceOrControl = { () -> Bool in
            let u = raw.utf8.span
            for i in u.indices where u[i] <= 0x20 { return true }
            return false
        }()
        if !hasSpaceOrControl { return raw }
        let scalars = raw.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }) else { return "" }
        let last = scalars.lastIndex(where: { $0.value > 0x20 })!
        var out = String.UnicodeScalarView()
        for s in scalars[first...last] where s != "\t" && s != "\n" && s != "\r" { out.append(s) }
        return String(out)
    }

    /// The lower-cased scheme (`[A-Za-z][A-Za-z0-9+.-]*` before the first ":"), nil for a relative reference.
    static func scheme(of s: String) -> String? {
        var end = 0
        for (i, c) in s.utf8.enumerated() {
            if c == UInt8(ascii: ":") {
                end = i
                break
            }
            let letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
            let other = (c >= 48 && c <= 57) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            guard letter || (i > 0 && other) else { return nil }
        }
        guard end > 0 else { return nil }
        return String(decoding: s.utf8.prefix(end), as: UTF8.self).lowercased()
    }
}
