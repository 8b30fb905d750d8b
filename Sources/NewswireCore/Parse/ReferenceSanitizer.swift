import Foundation

/// What the reference's HTML sanitizer (feedparser's `_HTMLSanitizer` on sgmllib) does to an HTML field that
/// libxml2's HTML parser, which makes our text, would read otherwise. Applied to the field before it is turned
/// into text; a field none of these rules touch is returned as it is.
enum ReferenceSanitizer {

    /// The reference's reading of `script`, `style` and `applet` and of `</>`:
    /// - a start tag of one of them adds one to a counter, an end tag takes one off (a stray end tag makes it
    ///   negative); text is dropped while the counter is not zero, so a stray `</script>` drops all text after
    ///   it, and tags are parsed inside such an element as anywhere else (no raw-text mode: `</script>` inside a
    ///   quoted string still ends it);
    /// - character and entity references are kept even there (the sanitizer's `handle_data` checks the
    ///   counter, its reference handlers do not): `<script>a &gt; b</script>` reads `>`;
    /// - an end tag is named by what lies between `</` and the next `<` or `>`, trimmed: `</>` names nothing
    ///   and closes nothing, so it is not text.
    /// The elements themselves are left out of the result, with everything their counter drops.
    static func droppingUnacceptableContent(_ html: String) -> String {
        guard mayNeed(html) else { return html }
        var u = Array(html.utf8)
        var changed = false
        if let expanded = expandingShortTags(u) {
            u = expanded
            changed = true
        }
        let n = u.count
        var out: [UInt8] = []
        out.reserveCapacity(n)
        var stack = 0, svgDepth = 0
        var i = 0
        func emit(_ from: Int, _ to: Int) {
            if stack == 0 { out.append(contentsOf: u[from..<to]) } else if to > from { changed = true }
        }
        // A tag or end tag that never ends: sgmllib stops there and hands the rest on as text (and so
        // does the reference's text extraction), where libxml2 would drop it.
        func unterminated(_ at: Int) {
            guard stack == 0 else { return }
            out.append(contentsOf: "&lt;".utf8)
            out.append(contentsOf: u[(at + 1)..<n])
            changed = true
        }
        while i < n {
            let c = u[i]
            if c == UInt8(ascii: "&") {
                // sgmllib's charref `&#(\d+|[xX]hex);` and entityref `&name` + one character that ends it.
                if let end = reference(u, i) {
                    if stack != 0, u[i + 1] != UInt8(ascii: "#"), !isHTMLEntity(u, i + 1, end) {
                        // The reference's first pass writes an unknown name `&foo` as `&amp;foo`: inside a
                        // dropped element only its `&amp;` survives.
                        out.append(contentsOf: "&amp;".utf8)
                        changed = true
                    } else {
                        out.append(contentsOf: u[i..<end])
                    }
                    i = end
                } else {
                    emit(i, i + 1)
                    i += 1
                }
                continue
            }
            guard c == UInt8(ascii: "<"), i + 1 < n else {
                var j = i + 1
                while j < n, u[j] != UInt8(ascii: "<"), u[j] != UInt8(ascii: "&") { j += 1 }
                emit(i, j)
                i = j
                continue
            }
            let d = u[i + 1]
            if LooseXMLParser.isLetter(d) {
                // A start tag: its name (sgmllib's tagfind), its end at the next '<' or '>' outside quotes.
                var j = i + 1
                while j < n, isNameByte(u[j]) { j += 1 }
                let name = FeedBuilder.lowercasedASCII(String(decoding: u[(i + 1)..<j], as: UTF8.self))
                let end = tagEnd(u, j)
                if end == n, u[n - 1] != UInt8(ascii: ">") {
                    unterminated(i)
                    break
                }
                if isDropped(name) {
                    stack += 1
                    changed = true
                } else if name == "title", svgDepth == 0 {
                    // Not an acceptable element: the tag goes, its text stays (libxml2 would drop the text). In
                    // SVG it is an SVG element and stays, with its text not read.
                    changed = true
                } else {
                    if name == "svg" { svgDepth += 1 }
                    // Tags are kept inside a dropped element too (block elements still separate words).
                    out.append(contentsOf: u[i..<end])
                    if stack != 0 {
                        changed = true
                        if u[end - 1] != UInt8(ascii: ">") { out.append(UInt8(ascii: ">")) }
                    }
                }
                i = end
            } else if d == UInt8(ascii: "/") {
                var j = i + 2
                while j < n, u[j] != UInt8(ascii: "<"), u[j] != UInt8(ascii: ">") { j += 1 }
                if j == n {
                    unterminated(i)
                    break
                }
                let end = u[j] == UInt8(ascii: ">") ? j + 1 : j
                // sgmllib's finish_endtag: the trimmed text, cut to a name (tagfind) when it starts with one.
                var a = i + 2, b = j
                while a < b, LooseXMLParser.isSpace(u[a]) { a += 1 }
                while b > a, LooseXMLParser.isSpace(u[b - 1]) { b -= 1 }
                var k = a
                if k < b, LooseXMLParser.isLetter(u[k]) { while k < b, isNameByte(u[k]) { k += 1 } }
                let name = FeedBuilder.lowercasedASCII(String(decoding: u[a..<k], as: UTF8.self))
                if name == "svg", svgDepth > 0 { svgDepth -= 1 }
                if name.isEmpty {
                    // `</>`, `</ 3>`: no element, no text.
                    changed = true
                } else if isDropped(name) {
                    stack -= 1
                    changed = true
                } else if name == "title", svgDepth == 0 {
                    changed = true
                } else if a == i + 2, stack == 0 {
                    out.append(contentsOf: u[i..<end])
                } else {
                    // `</ p>` ends p.
                    out.append(contentsOf: Array("</\(name)>".utf8))
                    changed = true
                }
                i = end
            } else if d == UInt8(ascii: "!"), u[(i + 2)...].starts(with: "[CDATA[".utf8),
                      let close = find(u, "]]>".utf8, from: i + 9) {
                // A CDATA section in HTML: the reference's first pass drops it.
                changed = true
                i = close + 3
            } else if d == UInt8(ascii: "!"), u[(i + 2)...].starts(with: "[CDATA[".utf8) {
                // One that never ends: the sanitizer writes its '<![CDATA[' as text.
                if stack == 0 { out.append(contentsOf: "&lt;".utf8) }
                changed = true
                i += 1
            } else if d == UInt8(ascii: "!"), !u[(i + 2)...].starts(with: "--".utf8), !u[(i + 2)...].starts(with: "[".utf8) {
                // The reference's first step writes `<!` as text unless DOCTYPE (any case), `--` or `[` follows;
                // its sanitizer drops a DOCTYPE declaration.
                changed = true
                if i + 9 <= n, String(decoding: u[(i + 2)..<(i + 9)], as: UTF8.self).uppercased() == "DOCTYPE", let close = u[(i + 2)...].firstIndex(of: UInt8(ascii: ">")) {
                    i = close + 1
                } else {
                    if stack == 0 { out.append(contentsOf: "&lt;!".utf8) }
                    i += 2
                }
            } else if d == UInt8(ascii: "!"), i + 3 < n, u[i + 2] == UInt8(ascii: "-"), u[i + 3] == UInt8(ascii: "-") {
                // A comment: no text in either reading; inside a dropped element it is dropped with it.
                var j = i + 4
                while j + 2 < n, !(u[j] == UInt8(ascii: "-") && u[j + 1] == UInt8(ascii: "-") && u[j + 2] == UInt8(ascii: ">")) { j += 1 }
                // One that never ends is dropped with the rest, in both readings.
                let end = j + 2 < n ? j + 3 : n
                emit(i, end)
                i = end
            } else {
                emit(i, i + 1)
                i += 1
            }
        }
        guard changed else { return html }
        // Cut and joined next to ASCII bytes ('<', '>', '&', ';', '/'), inserts ASCII: valid UTF-8 as the field was.
        return Bytes.string(validUTF8: out)
    }

    /// The elements whose text the reference drops (`unacceptable_elements_with_end_tag`).
    private static func isDropped(_ name: String) -> Bool { name == "script" || name == "style" || name == "applet" }

    /// The elements whose boundaries separate words in the reference's reading of the sanitized HTML.
    private static let breaking: Set<String> = [
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "main", "nav", "ol", "p",
        "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    ]

    /// `breaking` by the name's bytes (ASCII letters and digits, any case), without a String: names of up to
    /// eight bytes packed little-endian, the two longer ones compared.
    private static func isBreaking(_ u: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let n = end - start
        if n > 8 { return n == 10 && (startsName(u, start, "blockquote") || startsName(u, start, "figcaption")) }
        var key: UInt64 = 0
        for k in 0..<n {
            let b = u[start + k]
            key |= UInt64(b >= 65 && b <= 90 ? b | 0x20 : b) << (8 * UInt64(k))
        }
        // A binary search of the sorted keys: hashing a key cost more than the six comparisons.
        let keys = breakingKeys
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low < keys.count && keys[low] == key
    }

    private static let breakingKeys: [UInt64] = breaking.compactMap { name -> UInt64? in
        guard name.utf8.count <= 8 else { return nil }
        var key: UInt64 = 0
        for (k, b) in name.utf8.enumerated() { key |= UInt64(b) << (8 * UInt64(k)) }
        return key
    }.sorted()

    /// An end tag of a block element separates words even where no such element is open (the reference keeps
    /// the stray end tag, whose boundary is a space; libxml2 ignores it): a space goes before every such end tag
    /// that does not follow whitespace. Where the element is open, libxml2 breaks there anyway.
    static func separatingBlockEndTags(_ html: String) -> String {
        let u = html.utf8.span
        var out: [UInt8] = []
        var copied = 0, i = 0
        while let k = Bytes.firstIndex(of: UInt8(ascii: "<"), in: u, from: i) {
            i = k + 1
            guard k > 0, k + 3 < u.count, u[k + 1] == UInt8(ascii: "/"), !LooseXMLParser.isSpace(u[k - 1]) else { continue }
            var j = k + 2
            while j < u.count, j - k < 14, LooseXMLParser.isLetter(u[j]) || LooseXMLParser.isDigit(u[j]) { j += 1 }
            guard j < u.count, u[j] == UInt8(ascii: ">") || LooseXMLParser.isSpace(u[j]), j > k + 2,
                  isBreaking(u, k + 2, j)
            else { continue }
            if out.isEmpty { out.reserveCapacity(u.count + 16) }
            Bytes.append(u, copied..<k, to: &out)
            out.append(0x20)
            copied = k
        }
        // Nothing inserted: the string itself, not a copy.
        if copied == 0 { return html }
        Bytes.append(u, copied..<u.count, to: &out)
        // Spaces put before '<'s: valid UTF-8 as the field was.
        return Bytes.string(validUTF8: out)
    }

    /// C0 control characters (other than tab, line feed and carriage return) in an HTML field are text to the
    /// reference: its sanitizer copies them. libxml2's HTML parser drops them, and its text ends at a NUL; so
    /// they pass through `convert` as private-use characters (U+F0000 + the control's value) and are put back.
    /// A field that already holds such a private-use character is converted as it is.
    static func keepingControlCharacters(_ html: String, _ convert: (String) -> String) -> String {
        func isCarried(_ b: UInt8) -> Bool { b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D }
        let hasControl = { () -> Bool in
            let u = html.utf8.span
            let n = u.count
            var i = 0
            while i < n {
                // Eight bytes at a time while none is below 0x20 ("has a byte less than n", Bit Twiddling Hacks).
                if i + 8 <= n {
                    let x = Bytes.word(u, at: i)
                    if (x &- 0x2020_2020_2020_2020) & ~x & 0x8080_8080_8080_8080 == 0 {
                        i += 8
                        continue
                    }
                }
                if isCarried(u[i]) { return true }
                i += 1
            }
            return false
        }()
        guard hasControl, !html.unicodeScalars.contains(where: { $0.value >= 0xF0000 && $0.value < 0xF0020 }) else {
            return convert(html)
        }
        var carried = String.UnicodeScalarView()
        for c in html.unicodeScalars {
            if c.value < 0x20, c.value != 0x09, c.value != 0x0A, c.value != 0x0D {
                carried.append(Unicode.Scalar(0xF0000 + c.value)!)
            } else {
                carried.append(c)
            }
        }
        var back = String.UnicodeScalarView()
        for c in convert(String(carried)).unicodeScalars {
            if c.value >= 0xF0000, c.value < 0xF0020 {
                back.append(Unicode.Scalar(c.value - 0xF0000)!)
            } else {
                back.append(c)
            }
        }
        return String(back)
    }

    /// SGML's short tag, as sgmllib reads it in the reference's first pass over a field (its relative-URI
    /// resolver): `<name/data/` is `<name>data</name>` (data may hold markup, read again by the sanitizer);
    /// `<name/` with no '/' after it leaves the rest as it is written. nil when there is none.
    static func expandingShortTags(_ u: [UInt8]) -> [UInt8]? {
        let n = u.count
        var out: [UInt8] = []
        var i = 0, copied = 0
        while i < n {
            guard u[i] == UInt8(ascii: "<"), i + 1 < n else { i += 1; continue }
            if u[i + 1] == UInt8(ascii: "!"), i + 3 < n, u[i + 2] == UInt8(ascii: "-"), u[i + 3] == UInt8(ascii: "-") {
                var j = i + 4
                while j + 2 < n, !(u[j] == UInt8(ascii: "-") && u[j + 1] == UInt8(ascii: "-") && u[j + 2] == UInt8(ascii: ">")) { j += 1 }
                i = j + 2 < n ? j + 3 : n
                continue
            }
            guard LooseXMLParser.isLetter(u[i + 1]) else { i += 1; continue }
            guard let slash = shortTagSlash(u.span, i) else {
                i = tagEnd(u, i + 1)
                continue
            }
            out.append(contentsOf: u[copied..<i])
            guard let close = u[(slash + 1)...].firstIndex(of: UInt8(ascii: "/")) else {
                copied = i
                break
            }
            let name = Array(u[(i + 1)..<slash])
            out.append(UInt8(ascii: "<"))
            out.append(contentsOf: name)
            out.append(UInt8(ascii: ">"))
            out.append(contentsOf: u[(slash + 1)..<close])
            out.append(contentsOf: "</".utf8)
            out.append(contentsOf: name)
            out.append(UInt8(ascii: ">"))
            i = close + 1
            copied = i
        }
        guard !out.isEmpty || copied > 0 else { return nil }
        out.append(contentsOf: u[copied..<n])
        return out
    }

    /// Whether the text may hold one of the constructs: a tag starting with the letter of a dropped element's
    /// name, or an end tag `</` not followed by a letter.
    private static func mayNeed(_ s: String) -> Bool {
        let u = s.utf8.span
        if let lt = lastIndex(of: UInt8(ascii: "<"), in: u), !contains(UInt8(ascii: ">"), in: u, from: lt) { return true }
        var i = 0
        while let hit = Bytes.firstIndex(of: UInt8(ascii: "<"), in: u, from: i) {
            var k = hit + 1
            i = k
            guard k < u.count else { return false }
            if u[k] == UInt8(ascii: "/") {
                k += 1
                guard k < u.count else { return false }
                if !LooseXMLParser.isLetter(u[k]) || startsDroppedName(u, k) { return true }
                continue
            }
            if startsDroppedName(u, k) || u[k] == UInt8(ascii: "!") && !(k + 1 < u.count && u[k + 1] == UInt8(ascii: "-")) { return true }
            if LooseXMLParser.isLetter(u[k]), shortTagSlash(u, k - 1) != nil { return true }
        }
        return false
    }

    private static func lastIndex(of b: UInt8, in u: Span<UInt8>) -> Int? {
        var k = u.count - 1
        while k >= 0 {
            if u[k] == b { return k }
            k -= 1
        }
        return nil
    }

    private static func contains(_ b: UInt8, in u: Span<UInt8>, from start: Int) -> Bool {
        Bytes.firstIndex(of: b, in: u, from: start) != nil
    }

    /// The '/' of a short tag at `i` (`<` + `[a-zA-Z][-.a-zA-Z0-9]*` + '/'), unless it is `<name/>`, which
    /// the reference rewrites to an ordinary tag first.
    private static func shortTagSlash(_ u: Span<UInt8>, _ i: Int) -> Int? {
        let s = 0
        let n = u.count
        var k = i + 2
        while k < n, LooseXMLParser.isLetter(u[s + k]) || LooseXMLParser.isDigit(u[s + k]) || u[s + k] == UInt8(ascii: "-")
                || u[s + k] == UInt8(ascii: ".") { k += 1 }
        guard k < n, u[s + k] == UInt8(ascii: "/") else { return nil }
        if k + 1 < n, u[s + k + 1] == UInt8(ascii: ">") { return nil }
        return k
    }

    /// Whether "script", "style", "applet" or "title" (any case) starts at `k`.
    private static func startsDroppedName(_ u: Span<UInt8>, _ k: Int) -> Bool {
        switch u[k] | 0x20 {
        case UInt8(ascii: "s"): return startsName(u, k, "script") || startsName(u, k, "style")
        case UInt8(ascii: "a"): return startsName(u, k, "applet")
        case UInt8(ascii: "t"): return startsName(u, k, "title")
        default: return false
        }
    }

    /// Whether the lower-case ASCII `name` starts at `k`, letters in any case.
    private static func startsName(_ u: Span<UInt8>, _ k: Int, _ name: String) -> Bool {
        guard k + name.utf8.count <= u.count else { return false }
        var x = k
        for c in name.utf8 {
            if u[x] | 0x20 != c { return false }
            x += 1
        }
        return true
    }

    /// Whether the name of the reference `u[from..<end]` (its ';' included or not) is an HTML 4 entity or `apos`.
    private static func isHTMLEntity(_ u: [UInt8], _ from: Int, _ end: Int) -> Bool {
        let to = u[end - 1] == UInt8(ascii: ";") ? end - 1 : end
        let name = String(decoding: u[from..<to], as: UTF8.self)
        return name == "apos" || LibXML.htmlEntity(named: name) != nil
    }

    private static func find(_ u: [UInt8], _ pattern: String.UTF8View, from: Int) -> Int? {
        let p = Array(pattern)
        var i = from
        while i + p.count <= u.count {
            if u[i] == p[0], u[i..<(i + p.count)].elementsEqual(p) { return i }
            i += 1
        }
        return nil
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        LooseXMLParser.isLetter(c) || LooseXMLParser.isDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
            || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
    }

    /// Where a start tag ends: after the first '>' (or at the first '<') outside a quoted value; a quote counts
    /// only when it closes before such a bracket and is followed by '>', '/', a space or a name (feedparser's
    /// end-bracket rule).
    private static func tagEnd(_ u: [UInt8], _ from: Int) -> Int {
        let n = u.count
        var j = from
        while j < n {
            let c = u[j]
            if c == UInt8(ascii: ">") { return j + 1 }
            if c == UInt8(ascii: "<") { return j }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                var k = j + 1
                while k < n, u[k] != c { k += 1 }
                if k < n, k + 1 < n {
                    let f = u[k + 1]
                    if f == UInt8(ascii: ">") || f == UInt8(ascii: "/") || LooseXMLParser.isSpace(f) || LooseXMLParser.isWordByte(f) {
                        j = k + 1
                        continue
                    }
                }
            }
            j += 1
        }
        return n
    }

    /// The end of an sgmllib reference at `i` ('&'), nil when none starts there.
    private static func reference(_ u: [UInt8], _ i: Int) -> Int? {
        let n = u.count
        var j = i + 1
        if j < n, u[j] == UInt8(ascii: "#") {
            j += 1
            let start = j
            if j < n, u[j] == UInt8(ascii: "x") || u[j] == UInt8(ascii: "X") {
                j += 1
                while j < n, LooseXMLParser.isHex(u[j]) { j += 1 }
                guard j > start + 1 else { return nil }
            } else {
                while j < n, LooseXMLParser.isDigit(u[j]) { j += 1 }
                guard j > start else { return nil }
            }
            guard j < n, u[j] == UInt8(ascii: ";") else { return nil }
            return j + 1
        }
        guard j < n, LooseXMLParser.isLetter(u[j]) else { return nil }
        while j < n, LooseXMLParser.isLetter(u[j]) || LooseXMLParser.isDigit(u[j]) || u[j] == UInt8(ascii: "-")
                || u[j] == UInt8(ascii: ".") { j += 1 }
        // The character that ends the name is consumed only when it is ';'.
        guard j < n else { return nil }
        return u[j] == UInt8(ascii: ";") ? j + 1 : j
    }
}
