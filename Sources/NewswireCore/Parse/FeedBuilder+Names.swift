import Foundation

/// Element and attribute names, namespaces, URL resolution and safety, and the text helpers the handlers share.
extension FeedBuilder {
    // MARK: Names and attributes

    struct NameKey: Hashable {
        var ns: FeedNamespace
        var prefix: String?
        var local: String
    }

    /// feedparser's name of an element: the vocabulary's standard prefix and the lower-cased local name; an
    /// unknown namespace keeps the document's prefix, and an unprefixed element of an unknown namespace is
    /// read as RSS/Atom.
    func elementName(ns: FeedNamespace, prefix: String?, local: String) -> ElementName {
        let key = NameKey(ns: ns, prefix: ns == .other ? prefix : nil, local: local)
        // A direct-mapped cache in front of the dictionary: names repeat, and comparing the same small strings
        // is cheaper than hashing them.
        let u = local.utf8
        let slot = (u.count &* 31 &+ Int(u.first ?? 0) &* 7 &+ Int(u.last ?? 0)) & 63
        if let hit = recentNames[slot], hit.key == key { return hit.name }
        if let known = names[key] {
            recentNames[slot] = (key, known)
            return known
        }
        let lower = Self.lowercasedASCII(local)
        let p: String
        switch ns {
        case .none, .atom10, .atom03, .rss10, .rss090: p = ""
        case .other: p = prefix?.lowercased() ?? ""
        default: p = ns.prefix
        }
        let name = p.isEmpty ? lower : p + "_" + lower
        let e = ElementName(name: name, local: lower, rawLocal: local, ns: ns, prefixed: !p.isEmpty,
                            handler: Self.handlers[name] ?? .unknown,
                            keepsTextInput: ["title", "link", "description", "name"].contains(lower),
                            keepsImage: ["title", "link", "description", "url", "href", "width", "height"].contains(lower))
        if names.count < 512 { names[key] = e }
        recentNames[slot] = (key, e)
        return e
    }

    /// feedparser's attribute dictionary: keys lower-cased ("prefix:local" for a known namespace), `rel` and
    /// `type` values lower-cased.
    func normalizedAttributes(_ attributes: [XMLAttribute]) -> Attrs {
        guard !attributes.isEmpty else { return [:] }
        var out = Attrs(capacity: attributes.count)
        for a in attributes {
            var key = Self.lowercasedASCII(a.local)
            if let uri = a.namespace {
                let ns = classify(uri: uri, prefix: a.prefix)
                if ns != .other, ns != .none, !ns.isCore { key = ns.prefix + ":" + key }
            } else if let p = a.prefix {
                key = Self.lowercasedASCII(p) + ":" + key
            }
            out.set(key, (key == "rel" || key == "type") ? Self.lowercasedASCII(a.value) : a.value)
        }
        return out
    }

    /// `lowercased()` without building a new String for the usual name that has no upper-case letter.
    static func lowercasedASCII(_ s: String) -> String {
        let u = s.utf8.span
        for i in u.indices where u[i] >= 65 && u[i] <= 90 || u[i] >= 0x80 { return s.lowercased() }
        return s
    }

    func classify(uri: String?, prefix: String?) -> FeedNamespace {
        guard let uri, !uri.isEmpty else { return FeedNamespace.classify(uri: uri, prefix: prefix) }
        for entry in namespaceCache where entry.uri == uri { return entry.ns }
        let ns = FeedNamespace.classify(uri: uri, prefix: prefix)
        if namespaceCache.count < 16 { namespaceCache.append((uri, ns)) }
        return ns
    }

    // MARK: URLs

    /// `resolve_uri`: a reference against the base in scope.
    func resolve(_ ref: String, base: String?) -> String {
        let r = ref.trimmingSpaces()
        guard let base, !base.isEmpty else { return r }
        if r.isEmpty { return base }
        // A reference that starts with a scheme is kept as written: libxml2 2.9's xmlBuildURI copies it when it
        // parses, and when it does not (no relative reference starts "scheme:") the nil result keeps it too.
        if Self.startsWithScheme(r) { return r }
        if let joined = Self.joiningAbsolutePath(r, base: base) { return joined }
        return LibXML.resolveURI(r, base: base) ?? r
    }

    /// libxml2 2.9's `xmlBuildURI` of the usual relative link, "/path" against "http(s)://host/…", without
    /// libxml2: the base's scheme and host, then the reference as written (RFC 3986 5.2.2 keeps an absolute
    /// path's dot segments, and so does libxml2 there). nil for anything else, which libxml2 resolves:
    /// - the reference: '/' not followed by '/', then only letters, digits, "-._~/" (characters `xmlSaveUri`
    ///   writes as they are: no '%' it would decode, no ':' it would escape, no query or fragment);
    /// - the base: "http://" or "https://", a host of letters, digits, '.' and '-' (no user, no port), then
    ///   nothing or '/', '?' or '#' and characters RFC 3986 allows in a path, query and fragment, '%' only
    ///   before two hex digits and one '#' at most, so that libxml2 parses it (a base it cannot parse leaves
    ///   the reference unresolved there).
    static func joiningAbsolutePath(_ ref: String, base: String) -> String? {
        let r = ref.utf8.span
        guard r.count >= 1, r[0] == UInt8(ascii: "/"), r.count == 1 || r[1] != UInt8(ascii: "/") else { return nil }
        for i in 1..<r.count {
            let c = r[i]
            guard isAlphanumeric(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
                    || c == UInt8(ascii: "~") || c == UInt8(ascii: "/") else { return nil }
        }
        let b = base.utf8.span
        let n = b.count
        var i: Int
        if n > 8, b[0] == UInt8(ascii: "h"), b[1] == UInt8(ascii: "t"), b[2] == UInt8(ascii: "t"), b[3] == UInt8(ascii: "p") {
            i = b[4] == UInt8(ascii: "s") ? 5 : 4
        } else {
            return nil
        }
        guard i + 3 <= n, b[i] == UInt8(ascii: ":"), b[i + 1] == UInt8(ascii: "/"), b[i + 2] == UInt8(ascii: "/") else { return nil }
        i += 3
        let hostStart = i
        while i < n, isAlphanumeric(b[i]) || b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "-") { i += 1 }
        let hostEnd = i
        guard hostEnd > hostStart, i == n || b[i] == UInt8(ascii: "/") || b[i] == UInt8(ascii: "?") || b[i] == UInt8(ascii: "#")
        else { return nil }
        var hashes = 0
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "%") {
                guard i + 2 < n, LooseXMLParser.isHex(b[i + 1]), LooseXMLParser.isHex(b[i + 2]) else { return nil }
                i += 3
                continue
            }
            if c == UInt8(ascii: "#") { hashes += 1 }
            guard hashes <= 1, isAlphanumeric(c) || isURIPunctuation(c) else { return nil }
            i += 1
        }
        var out: [UInt8] = []
        out.reserveCapacity(hostEnd + r.count)
        Bytes.append(b, 0..<hostEnd, to: &out)
        Bytes.append(r, 0..<r.count, to: &out)
        return Bytes.string(validUTF8: out)  // ASCII
    }

    @inline(__always) private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c >= 0x30 && c <= 0x39
    }

    /// RFC 3986's unreserved marks, sub-delims, ':', '@', '/', '?' and '#' (what a path, query and fragment hold).
    @inline(__always) private static func isURIPunctuation(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"),
             UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"),
             UInt8(ascii: "?"), UInt8(ascii: "#"):
            return true
        default:
            return false
        }
    }

    /// `[A-Za-z][A-Za-z0-9+.-]*:` at the start (RFC 3986's scheme, as libxml2's xmlParse3986Scheme reads it).
    static func startsWithScheme(_ s: String) -> Bool {
        let u = s.utf8.span
        guard !u.isEmpty, (u[0] | 0x20) >= 0x61, (u[0] | 0x20) <= 0x7A else { return false }
        var i = 1
        while i < u.count {
            let c = u[i]
            if c == UInt8(ascii: ":") { return true }
            let letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A
            guard letter || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
                    || c == UInt8(ascii: ".") else { return false }
            i += 1
        }
        return false
    }

    /// An id that is a permalink is resolved as the reference resolves it, but against the document's own
    /// xml:base only: resolving opaque ids ("12345") against the URL the feed was fetched from would change
    /// them with the URL.
    func resolveID(_ ref: String) -> String {
        guard let base = currentDocBase, !base.isEmpty else { return ref }
        return resolve(ref, base: base)
    }

    /// An xml:base against its parent's: kept only if the result has a scheme the reference accepts.
    func joinBase(_ parent: String?, _ value: String) -> String? {
        guard let parent, !parent.isEmpty else { return value }
        let joined = resolve(value, base: parent)
        let scheme = joined.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return Self.acceptableSchemes.contains(scheme) ? joined : parent
    }

    static let acceptableSchemes: Set<String> = [
        "file", "ftp", "gopher", "h323", "hdl", "http", "https", "imap", "magnet", "mailto", "mms", "news", "nntp",
        "prospero", "rsync", "rtsp", "rtspu", "sftp", "shttp", "sip", "sips", "snews", "svn", "svn+ssh", "telnet",
        "wais", "aim", "callto", "cvs", "facetime", "feed", "git", "gtalk", "irc", "ircs", "irc6", "itms", "msnim",
        "skype", "ssh", "smb", "ymsg",
    ]

    /// A URL field of the result: resolved against the document's URL, nil unless http(s) (`URLSafety`).
    func outputURL(_ raw: String) -> String? {
        switch URLSafety.check(raw, base: documentURL) {
        case .safe(let url): return url
        case .unsafe:
            result.unsafeURLs += 1
            return nil
        case .empty: return nil
        }
    }

    // MARK: Helpers

    static let htmlTypes: Set<String> = ["text/html", "application/xhtml+xml"]

    static func mapContentType(_ type: String) -> String {
        let t = lowercasedASCII(type)
        switch t {
        case "text", "plain": return "text/plain"
        case "html": return "text/html"
        case "xhtml": return "application/xhtml+xml"
        default: return t
        }
    }

    /// `_enforce_href`: `url`, else `uri`, else `href` becomes `href`.
    static func enforcingHref(_ attributes: Attrs) -> Attrs {
        var a = attributes
        if let href = a["url"] ?? a["uri"] ?? a["href"], !href.isEmpty {
            a["url"] = nil
            a["uri"] = nil
            a["href"] = href
        }
        return a
    }

    /// "&name;" left in a link by sloppy escaping ("?a=1&b;=2") reads as "&name".
    static func fixingQueryReferences(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "&")) else { return s }
        var out = ""
        var rest = s[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            let nameEnd = after.firstIndex(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) }) ?? after.endIndex
            if nameEnd > after.startIndex, nameEnd < after.endIndex, after[nameEnd] == ";" {
                out += "&" + after[after.startIndex..<nameEnd]
                rest = after[after.index(after: nameEnd)...]
            } else {
                out += "&"
                rest = after
            }
        }
        return out + rest
    }

    /// The reference's `looks_like_html`: a close tag or an entity reference, every tag an acceptable HTML
    /// element, every entity an HTML one.
    static func looksLikeHTML(_ s: String) -> Bool {
        let u8 = s.utf8.span
        guard Bytes.contains(UInt8(ascii: "<"), in: u8) || Bytes.contains(UInt8(ascii: "&"), in: u8) else { return false }
        let u = Array(s.utf8)
        var sawCloseTag = false, sawReference = false
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "<") {
                var j = i + 1
                let close = j < u.count && u[j] == UInt8(ascii: "/")
                if close { j += 1 }
                let start = j
                while j < u.count, isWordByte(u[j]) { j += 1 }
                if j > start {
                    let name = String(decoding: u[start..<j], as: UTF8.self).lowercased()
                    if !acceptableElements.contains(name) { return false }
                    if close, j < u.count, u[j] == UInt8(ascii: ">") { sawCloseTag = true }
                }
            } else if u[i] == UInt8(ascii: "&") {
                var j = i + 1
                let numeric = j < u.count && u[j] == UInt8(ascii: "#")
                if numeric { j += 1 }
                let start = j
                while j < u.count, isWordByte(u[j]) { j += 1 }
                if j > start, j < u.count, u[j] == UInt8(ascii: ";") {
                    sawReference = true
                    if !numeric, LibXML.htmlEntity(named: String(decoding: u[start..<j], as: UTF8.self)) == nil
                        && !["apos"].contains(String(decoding: u[start..<j], as: UTF8.self)) {
                        return false
                    }
                }
            }
            i += 1
        }
        return sawCloseTag || sawReference
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b >= 0x80
    }

    /// The sanitizer's acceptable elements (feedparser `_HTMLSanitizer.acceptable_elements`).
    static let acceptableElements: Set<String> = [
        "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "big", "blockquote", "br",
        "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "command", "datagrid",
        "datalist", "dd", "del", "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "event-source",
        "fieldset", "figcaption", "figure", "footer", "font", "form", "header", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "img", "input", "ins", "keygen", "kbd", "label", "legend", "li", "m", "map", "menu", "meter",
        "multicol", "nav", "nextid", "ol", "output", "optgroup", "option", "p", "pre", "progress", "q", "s", "samp",
        "section", "select", "small", "sound", "source", "spacer", "span", "strike", "strong", "sub", "sup",
        "table", "tbody", "td", "textarea", "time", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "video",
        "noscript",
    ]

    /// The reference's HTML sanitizer (`_BaseHTMLProcessor.handle_entityref`) keeps an entity reference only
    /// if HTML 4 names it: `&name` (with or without `;`) of any other name is text, `&amp;name`. So an
    /// ill-formed "AT&T wins" reads "AT&T wins", not "AT&T; wins".
    static func sanitizingEntityNames(_ html: String) -> String {
        // A first pass only looks: most fields have no such reference and stay as they are.
        var suspect = false
        forEachUnknownEntityName(html.utf8.span) { _, _ in
            suspect = true
            return false
        }
        guard suspect else { return html }
        var out: [UInt8] = []
        var copied = 0
        forEachUnknownEntityName(html.utf8.span) { amp, end in
            // Not an HTML 4 name: `&amp;name`, the ';' after it dropped.
            let u = html.utf8.span
            if out.isEmpty { out.reserveCapacity(u.count + 16) }
            Bytes.append(u, copied..<amp, to: &out)
            out.append(contentsOf: "&amp;".utf8)
            Bytes.append(u, (amp + 1)..<end, to: &out)
            copied = u[end] == UInt8(ascii: ";") ? end + 1 : end
            return true
        }
        let u = html.utf8.span
        Bytes.append(u, copied..<u.count, to: &out)
        // Cut at '&' and at the ASCII byte after a name, joined with ASCII: valid UTF-8 as the field was.
        return Bytes.string(validUTF8: out)
    }

    /// Calls `body` with the position of each `&name` in `u` whose name HTML 4 does not have, and the end of
    /// the name: a letter, then letters, digits, '-' or '.', as sgmllib's entityref reads it (which needs a
    /// character after the name). `body` returns false to stop.
    private static func forEachUnknownEntityName(_ u: Span<UInt8>, _ body: (_ amp: Int, _ end: Int) -> Bool) {
        var i = 0
        while let amp = Bytes.firstIndex(of: UInt8(ascii: "&"), in: u, from: i) {
            i = amp + 1
            guard i < u.count, LooseXMLParser.isLetter(u[i]) else { continue }
            var j = i
            while j < u.count, LooseXMLParser.isLetter(u[j]) || LooseXMLParser.isDigit(u[j]) || u[j] == UInt8(ascii: "-")
                    || u[j] == UInt8(ascii: ".") { j += 1 }
            i = j
            guard j < u.count, !isPredefinedEntityName(u, amp + 1, j) else { continue }
            let name = Bytes.string(u, (amp + 1)..<j)
            if name == "apos" || LibXML.htmlEntity(named: name) != nil { continue }
            guard body(amp, j) else { return }
        }
    }

    /// Whether `u[start..<end]` is "amp", "lt", "gt", "quot" or "apos": names HTML 4 has (or the sanitizer keeps),
    /// known without a String or a lookup in libxml2's table.
    static func isPredefinedEntityName(_ u: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        switch end - start {
        case 2: return (u[start] == UInt8(ascii: "l") || u[start] == UInt8(ascii: "g")) && u[start + 1] == UInt8(ascii: "t")
        case 3: return u[start] == UInt8(ascii: "a") && u[start + 1] == UInt8(ascii: "m") && u[start + 2] == UInt8(ascii: "p")
        case 4:
            let w = UInt32(u[start]) | UInt32(u[start + 1]) << 8 | UInt32(u[start + 2]) << 16 | UInt32(u[start + 3]) << 24
            return w == 0x746F_7571 || w == 0x736F_7061  // "quot", "apos" (little-endian)
        default: return false
        }
    }

    /// Python's `str.replace`: every non-overlapping occurrence of `pattern`, left to right, byte by byte.
    static func replacing(_ s: String, _ pattern: String, _ replacement: String) -> String {
        let u = s.utf8.span
        let pat = pattern.utf8.span
        let n = u.count, m = pat.count
        guard m > 0, n >= m, var i = Bytes.firstIndex(of: pat[0], in: u, from: 0) else { return s }
        var out: [UInt8] = []
        var copied = 0
        while i + m <= n {
            var k = 1
            while k < m, u[i + k] == pat[k] { k += 1 }
            if k == m {
                if out.isEmpty { out.reserveCapacity(n) }
                Bytes.append(u, copied..<i, to: &out)
                out.append(contentsOf: replacement.utf8)
                i += m
                copied = i
            } else {
                i += 1
            }
            guard let hit = Bytes.firstIndex(of: pat[0], in: u, from: i) else { break }
            i = hit
        }
        // Nothing replaced: the string itself, not a copy.
        if copied == 0 { return s }
        Bytes.append(u, copied..<n, to: &out)
        // A valid UTF-8 pattern matches valid UTF-8 only at character boundaries (no character's bytes start
        // inside another's), so cutting it out and putting a String in keeps the text valid.
        return Bytes.string(validUTF8: out)
    }

    /// A bucket's text as a String, `pyStrip`ped if `stripWhitespace`: ASCII whitespace at the ends is cut
    /// from the bytes before the String is made (the rest of the rule, for other whitespace, is `pyStrip`'s).
    static func bucketString(_ bytes: [UInt8], stripWhitespace: Bool) -> String {
        let u = bytes.span
        guard stripWhitespace else { return Bytes.string(u) }
        var a = 0, b = u.count
        while a < b, u[a] < 0x80, ReferenceDate.isSpace(Unicode.Scalar(u[a])) { a += 1 }
        while b > a, u[b - 1] < 0x80, ReferenceDate.isSpace(Unicode.Scalar(u[b - 1])) { b -= 1 }
        // Cut next to ASCII bytes: the part is as valid as the whole.
        return pyStrip(a == 0 && b == u.count ? Bytes.string(u) : Bytes.string(u.extracting(a..<b)))
    }

    /// Python's `str.strip()`: Unicode whitespace at both ends.
    static func pyStrip(_ s: String) -> String {
        // ASCII at both ends and not a space there (the usual value): the string itself, without decoding.
        let ends = { () -> (UInt8, UInt8)? in
            let u = s.utf8.span
            return u.isEmpty ? nil : (u[0], u[u.count - 1])
        }()
        guard let (firstByte, lastByte) = ends else { return s }
        if firstByte < 0x80, lastByte < 0x80, !ReferenceDate.isSpace(Unicode.Scalar(firstByte)),
           !ReferenceDate.isSpace(Unicode.Scalar(lastByte)) {
            return s
        }
        guard let head = s.unicodeScalars.first, let tail = s.unicodeScalars.last else { return s }
        if !ReferenceDate.isSpace(head), !ReferenceDate.isSpace(tail) { return s }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !ReferenceDate.isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !ReferenceDate.isSpace($0) })!
        return String(scalars[first...last])
    }

    /// `base64.decodebytes(...).decode('utf8')`, nil where it raises (the text is then kept as it is).
    static func base64Text(_ s: String) -> String? {
        let alphabet = s.unicodeScalars.filter { ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "+" || $0 == "/" || $0 == "=" }
        guard let data = Data(base64Encoded: String(String.UnicodeScalarView(alphabet))) else { return nil }
        return String(validating: data, as: UTF8.self)
    }

    /// UTF-8 that was read as Latin-1 upstream ("cafÃ©") is read back: when every character of the value is
    /// Latin-1 and its bytes are valid UTF-8 (the reference's `encode('iso-8859-1').decode('utf-8')`).
    static func repairingMojibake(_ s: String) -> String {
        // Only characters U+0080...U+00FF (UTF-8 C2/C3 lead bytes) can take part, and none above U+00FF may be
        // there: most text is ruled out by its bytes alone.
        let candidate = { () -> Bool in
            let u = s.utf8.span
            let n = u.count
            var sawLatin1 = false
            var i = 0
            while i < n {
                // Eight ASCII bytes at a time: most text is ASCII.
                if i + 8 <= n, Bytes.word(u, at: i) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
                let b = u[i]
                if b >= 0xC2 {
                    if b >= 0xC4 { return false }
                    sawLatin1 = true
                }
                i += 1
            }
            return sawLatin1
        }()
        guard candidate else { return s }
        // Decided before anything is copied: most candidates are genuine UTF-8 ("café"), whose characters as
        // bytes break UTF-8's structure (a lead byte without its continuation bytes, or one alone).
        var shape = UTF8Shape()
        for scalar in s.unicodeScalars {
            guard scalar.value <= 0xFF, shape.add(UInt8(scalar.value)) else { return s }
        }
        guard shape.isCompleteWithNonASCII else { return s }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars { bytes.append(UInt8(scalar.value)) }
        guard let fixed = String(validating: bytes, as: UTF8.self) else { return s }
        return fixed
    }
}

/// The reference's e-mail pattern in author strings (`mixin.py`, `_sync_author_detail`):
/// `[\w.+-]+@(\[\d{1,3}\.\d{1,3}\.\d{1,3}\.|([A-Za-z0-9-]+\.)+)([A-Za-z]{2,4}|\d{1,3})\]?(\?subject=\S+)?`,
/// ASCII classes, matched leftmost as `re.search` does.
enum ReferenceEmail {
    static func firstMatch(in text: String) -> String? {
        let s = Array(text.unicodeScalars)
        guard s.contains("@") else { return nil }
        for start in s.indices {
            if let end = match(s, from: start) { return String(String.UnicodeScalarView(s[start..<end])) }
        }
        return nil
    }

    private static func isLocal(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || (c >= "0" && c <= "9") || c == "_" || c == "-" || c == "." || c == "+")
    }
    private static func isLabel(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || (c >= "0" && c <= "9") || c == "-")
    }
    private static func isLetter(_ c: Unicode.Scalar) -> Bool { c.isASCII && c.properties.isAlphabetic }
    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private static func match(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start
        while i < s.count, isLocal(s[i]) { i += 1 }
        guard i > start, i < s.count, s[i] == "@" else { return nil }
        let domainStart = i + 1
        // Candidate positions where the top-level part may start, longest domain first.
        var tldStarts: [Int] = []
        if domainStart < s.count, s[domainStart] == "[" {
            var k = domainStart + 1
            var ok = true
            for _ in 0..<3 {
                let d = k
                while k < s.count, k - d < 3, isDigit(s[k]) { k += 1 }
                guard k > d, k < s.count, s[k] == "." else { ok = false; break }
                k += 1
            }
            if ok { tldStarts.append(k) }
        }
        var labels: [Int] = []
        var k = domainStart
        while true {
            let d = k
            while k < s.count, isLabel(s[k]) { k += 1 }
            guard k > d, k < s.count, s[k] == "." else { break }
            k += 1
            labels.append(k)
        }
        tldStarts += labels.reversed()
        for t in tldStarts {
            var e = t
            while e < s.count, e - t < 4, isLetter(s[e]) { e += 1 }
            if e - t < 2 {
                e = t
                while e < s.count, e - t < 3, isDigit(s[e]) { e += 1 }
                if e == t { continue }
            }
            if e < s.count, s[e] == "]" { e += 1 }
            let subject = Array("?subject=".unicodeScalars)
            if e + subject.count < s.count, Array(s[e..<(e + subject.count)]) == subject, !ReferenceDate.isSpace(s[e + subject.count]) {
                e += subject.count
                while e < s.count, !ReferenceDate.isSpace(s[e]) { e += 1 }
            }
            return e
        }
        return nil
    }
}
