import Foundation

/// The reading of a document that is not well-formed, as the reference parser reads it: feedparser re-reads
/// such a document with its loose parser (sgmllib's `SGMLParser` with feedparser's `_BaseHTMLProcessor` and
/// mixin overrides), and that reading decides which entries exist. Ported here, byte by byte:
/// - every start and end tag is handed to `FeedBuilder` on its own: nothing is nested, a stray or mismatched
///   end tag closes nothing, so an entry lasts from its `<item>` to its `</item>` whatever lies between;
/// - `<tag/>` becomes `<tag></tag>` first, and `<!` that starts no comment, CDATA or DOCTYPE is text;
/// - references are not decoded as XML does: `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#38;`-like
///   numeric escapes stay escaped (the builder reads them back in content only), other character references
///   and HTML entity names become characters, unknown names stay as written; CDATA is escaped;
/// - comments end at `--` + optional space + `>`; a comment, processing instruction or declaration that never
///   ends makes the rest of the document text, an unterminated CDATA section is dropped.
/// Whatever sgmllib reads as text outside any element is dropped by the builder, as the reference drops it.
enum LooseXMLParser {
    static func parse(utf8 input: [UInt8], into builder: FeedBuilder) throws(ParseError) {
        var t = Tokenizer(bytes: preprocess(input), entities: declaredEntities(input), builder: builder)
        try t.run()
    }

    private static let noEndTag: Set<String> = [
        "area", "base", "basefont", "br", "col", "command", "embed", "frame", "hr", "img", "input", "isindex",
        "keygen", "link", "meta", "param", "source", "track", "wbr",
    ]

    /// `_BaseHTMLProcessor.feed`'s rewriting before sgmllib sees the text.
    static func preprocess(_ b: [UInt8]) -> [UInt8] {
        // 1. `<!` not followed by DOCTYPE, -- or [ is text: `&lt;!`.
        // Runs between the '<'s that need a look are copied whole.
        var a: [UInt8] = []
        a.reserveCapacity(b.count + 64)
        let bs = b.span
        var i = 0, copied = 0
        while let lt = Bytes.firstIndex(of: UInt8(ascii: "<"), in: bs, from: i) {
            i = lt + 1
            guard i < b.count, b[i] == UInt8(ascii: "!") else { continue }
            let rest = b[(lt + 2)...]
            let doctype = rest.count >= 7 && String(decoding: rest.prefix(7), as: UTF8.self).uppercased() == "DOCTYPE"
            if !(doctype || rest.starts(with: [0x2D, 0x2D]) || rest.first == UInt8(ascii: "[")) {
                Bytes.append(bs, copied..<lt, to: &a)
                a.append(contentsOf: "&lt;!".utf8)
                i = lt + 2
                copied = i
            }
        }
        Bytes.append(bs, copied..<b.count, to: &a)
        // 2. `<tag/>` and `<tag />` (no attributes) become `<tag></tag>`, or `<tag />` for HTML void elements.
        var out: [UInt8] = []
        out.reserveCapacity(a.count + 64)
        let aSpan = a.span
        i = 0
        copied = 0
        while let lt = Bytes.firstIndex(of: UInt8(ascii: "<"), in: aSpan, from: i) {
            i = lt
            var j = i + 1
            while j < a.count, a[j] != UInt8(ascii: "<"), a[j] != UInt8(ascii: ">"), !isSpace(a[j]) { j += 1 }
            var tagEnd = -1, matchEnd = -1
            if j - (i + 1) >= 2, a[j - 1] == UInt8(ascii: "/"), j < a.count, a[j] == UInt8(ascii: ">") {
                tagEnd = j - 1
                matchEnd = j + 1
            } else if j > i + 1 {
                var k = j
                while k < a.count, isSpace(a[k]) { k += 1 }
                if k + 1 < a.count, a[k] == UInt8(ascii: "/"), a[k + 1] == UInt8(ascii: ">") {
                    tagEnd = j
                    matchEnd = k + 2
                }
            }
            guard tagEnd > i + 1 else { i += 1; continue }
            let tag = Array(a[(i + 1)..<tagEnd])
            Bytes.append(aSpan, copied..<i, to: &out)
            out.append(UInt8(ascii: "<"))
            out.append(contentsOf: tag)
            if noEndTag.contains(String(decoding: tag, as: UTF8.self)) {
                out.append(contentsOf: " />".utf8)
            } else {
                out.append(contentsOf: "></".utf8)
                out.append(contentsOf: tag)
                out.append(UInt8(ascii: ">"))
            }
            i = matchEnd
            copied = i
        }
        Bytes.append(aSpan, copied..<a.count, to: &out)
        // 3. `&#39;` and `&#34;` are quotes.
        return replacing(replacing(out, "&#39;", "'"), "&#34;", "\"")
    }

    private static func replacing(_ b: [UInt8], _ from: String, _ to: String) -> [UInt8] {
        let f = Array(from.utf8), t = Array(to.utf8)
        guard b.count >= f.count else { return b }
        let s = b.span
        var out: [UInt8] = []
        var i = 0, copied = 0
        while let hit = Bytes.firstIndex(of: f[0], in: s, from: i) {
            if hit + f.count <= b.count, b[hit..<(hit + f.count)].elementsEqual(f) {
                if copied == 0 { out.reserveCapacity(b.count) }
                Bytes.append(s, copied..<hit, to: &out)
                out.append(contentsOf: t)
                i = hit + f.count
                copied = i
            } else {
                i = hit + 1
            }
        }
        // Nothing replaced: the bytes themselves, not a copy.
        if copied == 0 { return b }
        Bytes.append(s, copied..<b.count, to: &out)
        return out
    }

    /// `replace_doctype`'s "safe" entities: `<!ENTITY name "value">` declarations before the first element,
    /// kept when there is one DOCTYPE and the value is a character reference or text without `&` and `"`.
    static func declaredEntities(_ b: [UInt8]) -> [String: String] {
        guard let first = (0..<max(0, b.count - 1)).first(where: { b[$0] == UInt8(ascii: "<") && isWordByte(b[$0 + 1]) }) else { return [:] }
        let head = String(decoding: b[0...first], as: UTF8.self)
        guard head.components(separatedBy: "<!DOCTYPE").count == 2 else { return [:] }
        var out: [String: String] = [:]
        for decl in head.components(separatedBy: "<!ENTITY").dropFirst() {
            let words = decl.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            guard words.count >= 2, words[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            let rest = decl[words[1].startIndex...]
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { continue }
            let value = String(rest[rest.index(after: rest.startIndex)..<close])
            let isReference = value.hasPrefix("&#") && value.hasSuffix(";")
            if isReference || !(value.contains("&") || value.contains("\"")) { out[String(words[0])] = value }
        }
        return out
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) }
    static func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) }
    static func isWordByte(_ c: UInt8) -> Bool { isLetter(c) || isDigit(c) || c == 95 || c >= 0x80 }

    /// sgmllib's `goahead` over the whole document, with feedparser's overrides.
    private struct Tokenizer {
        let b: [UInt8]
        let entities: [String: String]
        let builder: FeedBuilder
        var lastTag = "???"

        init(bytes: [UInt8], entities: [String: String], builder: FeedBuilder) {
            self.b = bytes
            self.entities = entities
            self.builder = builder
        }

        private func string(_ from: Int, _ to: Int) -> String { String(decoding: b[from..<to], as: UTF8.self) }

        private func data(_ from: Int, _ to: Int) throws(ParseError) {
            if from < to { try builder.looseData(string(from, to), escaping: true) }
        }

        mutating func run() throws(ParseError) {
            let n = b.count
            var i = 0
            loop: while i < n {
                var j = i
                while j < n, b[j] != UInt8(ascii: "<"), b[j] != UInt8(ascii: "&") { j += 1 }
                try data(i, j)
                i = j
                if i == n { break }
                if b[i] == UInt8(ascii: "<") {
                    if i + 1 < n, b[i + 1] == UInt8(ascii: ">") || LooseXMLParser.isLetter(b[i + 1]) {
                        guard let k = try startTag(i) else { break loop }
                        i = k
                        continue
                    }
                    if i + 1 < n, b[i + 1] == UInt8(ascii: "/") {
                        guard let k = try endTag(i) else { break loop }
                        i = k
                        continue
                    }
                    if b[i...].starts(with: "<!--".utf8) {
                        guard let k = comment(i) else { break loop }
                        i = k
                        continue
                    }
                    if b[i...].starts(with: "<?".utf8) {
                        guard let k = (i + 2..<n).first(where: { b[$0] == UInt8(ascii: ">") }) else { break loop }
                        i = k + 1
                        continue
                    }
                    if b[i...].starts(with: "<!".utf8) {
                        guard let k = try declaration(i) else { break loop }
                        i = k
                        continue
                    }
                } else {
                    if let k = try reference(i) {
                        i = k
                        continue
                    }
                }
                // sgmllib's `incomplete`: "<" or "&" (with a name or "#digits" after "&") as text, unless it
                // runs to the end of the document.
                var k = i + 1
                if b[i] == UInt8(ascii: "&"), k < n {
                    if LooseXMLParser.isLetter(b[k]) {
                        while k < n, LooseXMLParser.isLetter(b[k]) || LooseXMLParser.isDigit(b[k]) { k += 1 }
                    } else if b[k] == UInt8(ascii: "#") {
                        k += 1
                        while k < n, LooseXMLParser.isDigit(b[k]) { k += 1 }
                    }
                }
                if k >= n { break }
                try data(i, k)
                i = k
            }
            try data(i, n)  // close(): what is left is text
        }

        /// `&#N;` / `&#xH;` and `&name` followed by a character that ends it. Nil when neither matches.
        private func reference(_ i: Int) throws(ParseError) -> Int? {
            let n = b.count
            var k = i + 1
            if k < n, b[k] == UInt8(ascii: "#") {
                k += 1
                let hex = k < n && (b[k] == UInt8(ascii: "x") || b[k] == UInt8(ascii: "X"))
                if hex { k += 1 }
                let start = k
                while k < n, hex ? LooseXMLParser.isHex(b[k]) : LooseXMLParser.isDigit(b[k]) { k += 1 }
                guard k > start, k < n, b[k] == UInt8(ascii: ";") else { return nil }
                try charref((hex ? "x" : "") + string(start, k))
                return k + 1
            }
            guard k < n, LooseXMLParser.isLetter(b[k]) else { return nil }
            let start = k
            while k < n, LooseXMLParser.isLetter(b[k]) || LooseXMLParser.isDigit(b[k]) || b[k] == UInt8(ascii: "-")
                    || b[k] == UInt8(ascii: ".") { k += 1 }
            guard k < n else { return nil }  // the terminating character is part of the pattern
            try entityref(string(start, k))
            return b[k] == UInt8(ascii: ";") ? k + 1 : k
        }

        /// The mixin's `handle_charref`: the XML-special ones stay references, the rest become characters.
        private func charref(_ ref: String) throws(ParseError) {
            let r = ref.lowercased()
            if ["34", "38", "39", "60", "62", "x22", "x26", "x27", "x3c", "x3e"].contains(r) {
                try builder.looseData("&#\(r);", escaping: false)
                return
            }
            let value = r.hasPrefix("x") ? UInt32(r.dropFirst(), radix: 16) : UInt32(r)
            guard let v = value, let scalar = Unicode.Scalar(v) else { return }
            try builder.looseData(String(Character(scalar)), escaping: false)
        }

        /// The mixin's `handle_entityref`: XML's five stay references, declared and HTML names become their
        /// text, unknown names stay as written.
        private func entityref(_ name: String) throws(ParseError) {
            if ["lt", "gt", "quot", "amp", "apos"].contains(name) {
                try builder.looseData("&\(name);", escaping: false)
            } else if let value = entities[name] {
                try builder.looseData(value, escaping: false)
            } else if let scalar = LibXML.htmlEntity(named: name) {
                try builder.looseData(String(Character(scalar)), escaping: false)
            } else {
                try builder.looseData("&\(name);", escaping: false)
            }
        }

        /// feedparser's `endbracket`: the `<` or `>` that ends a tag, skipping quoted attribute values that are
        /// followed by `>`, `/`, a space or another attribute; failing that, the first bracket on the same line.
        private func endBracket(_ from: Int) -> Int? {
            let n = b.count
            var k = from
            scan: while k < n {
                switch b[k] {
                case UInt8(ascii: "<"), UInt8(ascii: ">"):
                    return k
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    let q = b[k]
                    guard let close = (k + 1..<n).first(where: { b[$0] == q }) else { break scan }
                    let after = close + 1
                    var ok = false
                    if after < n {
                        let c = b[after]
                        if c == UInt8(ascii: ">") || c == UInt8(ascii: "/") || LooseXMLParser.isSpace(c) {
                            ok = true
                        } else if LooseXMLParser.isWordByte(c) {
                            var w = after
                            while w < n, LooseXMLParser.isWordByte(b[w]) { w += 1 }
                            ok = w < n && b[w] == UInt8(ascii: "=")
                        }
                    }
                    guard ok else { break scan }
                    k = after
                default:
                    k += 1
                }
            }
            // `.*?(?=[<>])`: the first bracket before a newline.
            var m = from
            while m < n, b[m] != UInt8(ascii: "\n") {
                if b[m] == UInt8(ascii: "<") || b[m] == UInt8(ascii: ">") { return m }
                m += 1
            }
            return nil
        }

        private mutating func startTag(_ i: Int) throws(ParseError) -> Int? {
            let n = b.count
            // `<name/…/` (SGML's short tag): `<name/data/`.
            if LooseXMLParser.isLetter(b[i + 1]) {
                var k = i + 2
                while k < n, LooseXMLParser.isLetter(b[k]) || LooseXMLParser.isDigit(b[k]) || b[k] == UInt8(ascii: "-")
                        || b[k] == UInt8(ascii: ".") { k += 1 }
                if k < n, b[k] == UInt8(ascii: "/") {
                    guard let close = (k + 1..<n).first(where: { b[$0] == UInt8(ascii: "/") }) else { return nil }
                    let tag = string(i + 1, k).lowercased()
                    try builder.looseStart(tag, [])
                    try data(k + 1, close)
                    try builder.looseEnd(tag)
                    return close + 1
                }
            }
            guard var j = endBracket(i + 1) else { return nil }
            var attrs: [(String, String)] = []
            var k: Int
            let tag: String
            if b[i + 1] == UInt8(ascii: ">") {
                k = j
                tag = lastTag
            } else {
                k = i + 1
                while k < n, LooseXMLParser.isLetter(b[k]) || LooseXMLParser.isDigit(b[k]) || b[k] == UInt8(ascii: "-")
                        || b[k] == UInt8(ascii: "_") || b[k] == UInt8(ascii: ".") || b[k] == UInt8(ascii: ":") { k += 1 }
                tag = string(i + 1, k).lowercased()
                lastTag = tag
            }
            while k < j {
                guard let (name, value, end) = attribute(k) else { break }
                attrs.append((name, value))
                k = end
            }
            if j < n, b[j] == UInt8(ascii: ">") { j += 1 }
            try builder.looseStart(tag, attrs)
            // `_BaseHTMLProcessor.parse_starttag`: a tag written `… />` also ends.
            if j > 2, b[j - 2] == UInt8(ascii: "/"), b[j - 1] == UInt8(ascii: ">") { try builder.looseEnd(lastTag) }
            return j
        }

        /// sgmllib's `attrfind` at `k`: name, value (the name itself when there is none; quotes stripped;
        /// numeric references given their `;`) and where the match ends (it may run past the tag's bracket).
        private func attribute(_ from: Int) -> (String, String, Int)? {
            let n = b.count
            var k = from
            while k < n, LooseXMLParser.isSpace(b[k]) { k += 1 }
            guard k < n, LooseXMLParser.isLetter(b[k]) || b[k] == UInt8(ascii: "_") else { return nil }
            let nameStart = k
            while k < n, LooseXMLParser.isLetter(b[k]) || LooseXMLParser.isDigit(b[k]) || b[k] == UInt8(ascii: "_")
                    || b[k] == UInt8(ascii: "-") || b[k] == UInt8(ascii: ":") || b[k] == UInt8(ascii: ".") { k += 1 }
            let name = string(nameStart, k).lowercased()
            if k < n, b[k] == UInt8(ascii: "$") { k += 1 }
            var e = k
            while e < n, LooseXMLParser.isSpace(b[e]) { e += 1 }
            guard e < n, b[e] == UInt8(ascii: "=") else { return (name, name, k) }
            e += 1
            while e < n, LooseXMLParser.isSpace(b[e]) { e += 1 }
            var value: String
            if e < n, b[e] == UInt8(ascii: "'") || b[e] == UInt8(ascii: "\""),
               let close = (e + 1..<n).first(where: { b[$0] == b[e] }) {
                value = string(e + 1, close)
                e = close + 1
            } else {
                let start = e
                let extra = Set("][-./,:;+*%?!&$()_#=~'\"@".utf8)
                while e < n, LooseXMLParser.isLetter(b[e]) || LooseXMLParser.isDigit(b[e]) || extra.contains(b[e]) { e += 1 }
                value = string(start, e)
                if let f = value.first, f == "'" || f == "\"", value.last == f {
                    value = value.count == 1 ? "" : String(value.dropFirst().dropLast())
                }
            }
            return (name, Self.numericReferencesTerminated(value), e)
        }

        /// sgmllib's `entity_or_charref` substitution with `_BaseHTMLProcessor`'s converters: `&#N` gains its
        /// `;`, everything else is kept.
        static func numericReferencesTerminated(_ v: String) -> String {
            guard v.contains("&#") else { return v }
            var out = ""
            var rest = v[...]
            while let r = rest.range(of: "&#") {
                out += rest[..<r.upperBound]
                var after = rest[r.upperBound...]
                let digits = after.prefix(while: { $0.isASCII && $0.isNumber })
                out += digits
                after = after[digits.endIndex...]
                if !digits.isEmpty {
                    out += ";"
                    if after.first == ";" { after = after.dropFirst() }
                }
                rest = after
            }
            return out + rest
        }

        private func endTag(_ i: Int) throws(ParseError) -> Int? {
            guard var j = endBracket(i + 1) else { return nil }
            let raw = FeedBuilder.pyStrip(string(i + 2, j)).lowercased()
            var tag = raw
            if let f = raw.utf8.first, LooseXMLParser.isLetter(f) {
                tag = String(raw.prefix(while: { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }))
            }
            if j < b.count, b[j] == UInt8(ascii: ">") { j += 1 }
            try builder.looseEnd(tag)
            return j
        }

        private func comment(_ i: Int) -> Int? {
            let n = b.count
            var k = i + 4
            while k + 1 < n {
                if b[k] == UInt8(ascii: "-"), b[k + 1] == UInt8(ascii: "-") {
                    var m = k + 2
                    while m < n, LooseXMLParser.isSpace(b[m]) { m += 1 }
                    if m < n, b[m] == UInt8(ascii: ">") { return m + 1 }
                }
                k += 1
            }
            return nil
        }

        /// The mixin's `parse_declaration`: CDATA is text (escaped); anything else is skipped to its `>`.
        private func declaration(_ i: Int) throws(ParseError) -> Int? {
            let n = b.count
            if b[i...].starts(with: "<![CDATA[".utf8) {
                var k = i
                while k + 2 < n, !(b[k] == UInt8(ascii: "]") && b[k + 1] == UInt8(ascii: "]") && b[k + 2] == UInt8(ascii: ">")) { k += 1 }
                guard k + 2 < n else { return n }  // an unterminated section: dropped
                try builder.looseData(Self.escaped(string(i + 9, k)), escaping: false)
                return k + 3
            }
            guard let k = (i..<n).first(where: { b[$0] == UInt8(ascii: ">") }) else { return nil }
            return k + 1
        }

        static func escaped(_ s: String) -> String {
            guard s.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" }) else { return s }
            return FeedBuilder.replacing(FeedBuilder.replacing(FeedBuilder.replacing(s, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")
        }
    }
}
