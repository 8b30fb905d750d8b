import Foundation

/// The plain text of an HTML field read byte by byte, for the markup most fields carry, with exactly the
/// result `HTMLTextParser` (libxml2's HTML parser and `HTMLTextExtractor`) gives; nil for anything else,
/// which then goes to libxml2.
///
/// Why the result is the same: `HTMLTextExtractor` turns libxml2's SAX events into text by three rules
/// only: text is collapsed, the start and the end of a block element break the line, and dropped elements
/// (script, style, head…) hide their text. So the output depends on the text libxml2 delivers and on where
/// block elements start and end, nothing else. This scanner replays libxml2 2.9's HTML tree construction
/// (`htmlParseContentInternal` and what it calls, HTMLparser.c) for the part of HTML it accepts:
///  - the element stack as libxml2 keeps it: `html` implied first, then `head` for the elements that belong
///    there or `body` for the others, a `p` for text or a reference with nothing, `html` or `head` open
///    (`htmlCheckImplied`, `htmlCheckParagraph`, `areBlanks`); html, head and body tags where they may stand;
///  - a start tag first closes the open elements it ends by libxml2's table (`htmlAutoClose`, the
///    `htmlStartClose` pairs below), then is pushed; `/>` and libxml2's empty elements (br, img, hr…) end at
///    once; names libxml2 does not know (svg's, `o:p`…) are ordinary elements to it; what is not an attribute
///    is dumped up to the next blank, as libxml2 does; an end tag skips what stands before its `>`;
///  - an end tag closes up to its element unless an element of higher end priority is open in between
///    (`htmlAutoCloseOnClose`, `htmlEndPriority`), and is ignored when its element is not open;
///  - script and style hold raw text up to their end tag (`htmlParseScript`); comments end at the first
///    `-->` or `--!>` (`htmlParseComment`); a `<` that starts no tag is text, a `</` without a name is dropped;
///  - references are read as `htmlParseReference` does: character references (`;` optional, dropped when
///    not an XML character), names of libxml2's HTML 4 table with their `;`, else the `&` and name as text.
/// It steps aside (nil) for everything it does not replay: `<!DOCTYPE`, `<?`, frame elements, a meta
/// element naming a charset, misplaced html, head or body tags (libxml2 discards them and their end tags),
/// a start tag closing a script or style as its content begins, a '.' right after a tag name, a non-ASCII
/// name after `&`, a NUL anywhere, other control characters or U+FFFE/U+FFFF in text, a byte-order mark,
/// nesting deeper than `maxDepth`, more than `maxUnknownNames` unknown names. The differential tests run both paths on every HTML field of the
/// conformance sets and the corpus, and the fuzz target's html mode on random input.
///
/// The field's UTF-8 is read through a `Span` (`u`, handed to every method that reads it; bounds-checked), the
/// element stack and the unknown names' positions are inline arrays of `maxDepth` and `2 * maxUnknownNames`
/// elements in the scan itself: no allocation and no pointer (memchr and word loads are `Bytes`' primitives).
enum HTMLTextScanner {
    /// Deeper nesting is left to libxml2 (feed fields rarely nest more than a few levels).
    static let maxDepth = 48
    /// Distinct element names libxml2 does not know (svg's path, o:p…) that one field may use.
    static let maxUnknownNames = 16

    /// The plain text of `html` as `HTMLTextParser.plainText` gives it, or nil when this scanner does not
    /// replay what libxml2 would do.
    static func plainText(_ html: String) -> String? {
        if html.isEmpty { return "" }
        let u = html.utf8.span
        var scanner = Scan(count: u.count)
        return scanner.run(u)
    }
}

private let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), amp = UInt8(ascii: "&"), slash = UInt8(ascii: "/")
private let equals = UInt8(ascii: "="), semicolon = UInt8(ascii: ";"), hash = UInt8(ascii: "#")
private let dquote = UInt8(ascii: "\""), squote = UInt8(ascii: "'"), bang = UInt8(ascii: "!"), dash = UInt8(ascii: "-")
private let underscore = UInt8(ascii: "_"), colon = UInt8(ascii: ":"), dot = UInt8(ascii: "."), question = UInt8(ascii: "?")

@inline(__always) private func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
@inline(__always) private func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
/// A control character libxml2 would drop or stop at (everything below 0x20 but blanks).
@inline(__always) private func isControl(_ c: UInt8) -> Bool { c < 0x20 && !isBlank(c) }
/// Characters of a tag name after its first letter, as `htmlParseHTMLName_nonInvasive` reads them.
@inline(__always) private func isTagNameByte(_ c: UInt8) -> Bool {
    isLetter(c) || isDigit(c) || c == colon || c == dash || c == underscore
}
/// Characters of a name after its first as `htmlParseHTMLName` (attributes, end tags) and `htmlParseName`'s
/// ASCII path (entity names) read them.
@inline(__always) private func isNameByte(_ c: UInt8) -> Bool { isTagNameByte(c) || c == dot }
@inline(__always) private func lowered(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
@inline(__always) private func isXMLChar(_ v: UInt32) -> Bool {
    v == 0x09 || v == 0x0A || v == 0x0D || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD)
        || (v >= 0x10000 && v <= 0x10FFFF)
}

/// Classes of the bytes of character data for `Scan.runEnd`: 0 ordinary, 1 the space, 2 a byte that ends a
/// run of ordinary bytes (other whitespace and controls, '<', '&', and the lead bytes C2 and EF, which may
/// start a C1 control or U+FFFE/U+FFFF).
private let textByteClasses: [UInt8] = (0..<256).map { b in
    switch b {
    case 0x20: return 1
    case 0..<0x20, 0x3C, 0x26, 0xC2, 0xEF: return 2
    default: return 0
    }
}

/// One scan of one field: the input, libxml2's element stack as it would be, and the text so far.
private struct Scan {
    typealias Tag = TagTable.Tag

    /// The length of the field's UTF-8 (`u`, handed to each method that reads it).
    let n: Int
    /// libxml2's element stack (its nameTab), `depth` elements: `html`, then `head` or `body` as libxml2
    /// implies or reads them, then the elements of the field. 48 is `HTMLTextScanner.maxDepth`.
    var stack = InlineArray<48, Tag>(repeating: 0)
    /// (start, length) in `u` of each element name the table does not know; tag `TagTable.unknownBase + k`.
    /// 32 is `2 * HTMLTextScanner.maxUnknownNames`.
    var unknown = InlineArray<32, Int>(repeating: 0)
    let tags = TagTable.shared
    var text: TextCollapser
    var depth = 0
    var unknownCount = 0
    /// Open dropped elements (script, noscript, head…): their text is not kept (HTMLTextExtractor's count).
    var skip = 0
    /// libxml2's ctxt->html: 1, 3 once a head was pushed, 10 once a body was.
    var htmlState = 1

    init(count: Int) {
        self.n = count
        self.text = TextCollapser(capacity: count, validInput: true)
    }

    mutating func run(_ u: Span<UInt8>) -> String? {
        if n >= 3, u[0] == 0xEF, u[1] == 0xBB, u[2] == 0xBF { return nil }
        // A NUL ends libxml2's loops that read raw bytes (attribute values, content) but not those that read
        // characters: a field holding one goes to libxml2. Other control characters matter only in text.
        if Bytes.contains(0, in: u) { return nil }
        var i = 0
        while i < n, isBlank(u[i]) { i += 1 }  // htmlParseDocument's SKIP_BLANKS
        /// Only comments so far: htmlParseDocument's prologue, which skips the blanks after each.
        var prologue = true
        while i < n {
            let b = u[i]
            var next: Int?
            if b == lt {
                let c = i + 1 < n ? u[i + 1] : 0
                if c == slash { next = endTag(u, at: i) }
                else if isLetter(c) { next = startTag(u, at: i) }
                else if c == bang, i + 3 < n, u[i + 2] == dash, u[i + 3] == dash {
                    next = comment(u, at: i)
                    if prologue, var k = next {
                        while k < n, isBlank(u[k]) { k += 1 }
                        next = k
                    }
                }
                else if c == bang, i + 8 < n, (u[i + 2] | 0x20) == UInt8(ascii: "d") { next = nil }  // maybe a DOCTYPE
                else if c == question { next = nil }
                else {
                    // Not a tag (CDATA included): libxml2 hands the '<' over as text, without implying a paragraph.
                    if skip == 0 { text.append(lt) }
                    next = i + 1
                }
                if c != bang || next == i + 1 { prologue = false }
            } else if b == amp {
                next = reference(u, at: i)
                prologue = false
            } else {
                next = textRun(u, at: i)
                prologue = false
            }
            guard let next else { return nil }
            i = next
        }
        return text.string()
    }

    // MARK: Events

    /// `htmlCheckParagraph` before text or a reference: with nothing open, or `html` or `head` on top, a
    /// `p` is implied (after closing what `p` closes and implying what `p` needs).
    mutating func beforeText() {
        if depth > 0 {
            let top = stack[depth - 1]
            guard top == tags.html || top == tags.head else { return }
            while depth > 0, tags.closes(tags.p, stack[depth - 1]) { endTop() }
        }
        checkImplied(tags.p)
        push(tags.p)
    }

    /// `htmlCheckImplied` before a start tag: `html` first, then `head` for the elements that belong there
    /// (only before any other element) or `body` for the others (unless one was already seen or is open).
    mutating func checkImplied(_ tag: Tag) {
        if tag == tags.html { return }
        if depth == 0 { push(tags.html) }
        if tag == tags.body || tag == tags.head { return }
        if depth <= 1, tags.impliesHead(tag) {
            if htmlState >= 3 { return }
            push(tags.head)
        } else {
            if htmlState >= 10 { return }
            for k in 0..<depth where stack[k] == tags.body || stack[k] == tags.head { return }
            push(tags.body)
        }
    }

    /// `htmlnamePush` and the extractor's start event. The caller checked `depth < maxDepth`.
    mutating func push(_ tag: Tag) {
        if tag == tags.head, htmlState < 3 { htmlState = 3 }
        if tag == tags.body, htmlState < 10 { htmlState = 10 }
        stack[depth] = tag
        depth += 1
        if tags.isBlock(tag) { text.breakLine() } else if tags.isDropped(tag) { skip += 1 }
    }

    /// The extractor's end event for the element on top, popped.
    mutating func endTop() {
        depth -= 1
        let tag = stack[depth]
        if tags.isBlock(tag) { text.breakLine() } else if tags.isDropped(tag), skip > 0 { skip -= 1 }
    }

    // MARK: Markup

    /// '<' name attributes ('>' | '/>'), at `u[i]` = '<' followed by a letter.
    mutating func startTag(_ u: Span<UInt8>, at i: Int) -> Int? {
        var j = i + 1
        let nameStart = j
        while j < n, isTagNameByte(u[j]) { j += 1 }
        let nameEnd = j
        // htmlParseHTMLName reads a '.' as part of the name where the lookahead before it did not.
        if j < n, u[j] == dot { return nil }
        guard let tag = tags.lookup(u, nameStart, nameEnd) ?? unknownTag(u, nameStart, nameEnd, adding: true) else { return nil }
        if tags.isSpecial(tag) { return nil }
        // Room for the element and what may be implied before it (html, head or body).
        guard depth + 3 <= HTMLTextScanner.maxDepth else { return nil }
        while depth > 0, tags.closes(tag, stack[depth - 1]) { endTop() }  // htmlAutoClose
        checkImplied(tag)
        // Misplaced html, head or body tags are discarded, and later end tags of theirs with them.
        if tag == tags.html, depth > 0 { return nil }
        if tag == tags.head, depth != 1 { return nil }
        if tag == tags.body { for k in 0..<depth where stack[k] == tags.body { return nil } }
        guard let (end, selfClosing) = skipAttributes(u, from: j, meta: tag == tags.meta) else { return nil }
        push(tag)
        // At the end of the input inside the tag, libxml2 pops it without an end event; nothing follows.
        guard end <= n else { return n }
        if selfClosing || tags.isEmpty(tag) {
            endTop()
            return end
        }
        guard tags.isRaw(tag) else { return end }
        // script and style: raw text up to "</" and the element's name, then its end tag (htmlParseScript).
        // libxml2 looks for end tags and for start tags that close the open element (<noscript> closes a
        // script, <body> a style) before it reads raw text: end tags right at the start of the content are
        // end tags (one may close the element); such a start tag goes to libxml2.
        let rawDepth = depth
        var k = end
        while k + 1 < n, u[k] == lt {
            let c = u[k + 1]
            if c == slash {
                guard let next = endTag(u, at: k) else { return nil }
                if depth < rawDepth { return next }
                k = next
                continue
            }
            if isLetter(c) || c == underscore || c == colon {
                var e = k + 1
                while e < n, isTagNameByte(u[e]) { e += 1 }
                if let other = tags.lookup(u, k + 1, e), tags.closes(other, tag) { return nil }
            }
            break
        }
        let name = tags.name(tag)
        while k < n {
            let c = u[k]
            if c == lt, k + 1 < n, u[k + 1] == slash, k + 2 + name.count <= n {
                var same = true
                for m in 0..<name.count where lowered(u[k + 2 + m]) != name[m] { same = false; break }
                if same {
                    var e = k + 2 + name.count
                    guard e == n || !isNameByte(u[e]) else { return nil }  // "</scripts": libxml2 reads on
                    while e < n, isBlank(u[e]) { e += 1 }
                    guard e < n, u[e] == gt else { return nil }
                    endTop()
                    return e + 1
                }
            }
            k += 1
        }
        return n  // an unterminated script: the rest is its text
    }

    /// '</' name blanks '>', at `u[i]` = '<' followed by '/'.
    mutating func endTag(_ u: Span<UInt8>, at i: Int) -> Int? {
        var j = i + 2
        guard j < n else { return j }  // "</" at the end: libxml2 reads no name and drops it
        let c = u[j]
        guard isLetter(c) || c == underscore || c == colon || c == dot else {
            return j  // no name: htmlParseEndTag drops the "</"
        }
        let nameStart = j
        while j < n, isNameByte(u[j]) { j += 1 }
        let nameEnd = j
        while j < n, isBlank(u[j]) { j += 1 }
        if j < n, u[j] != gt {
            // Anything else before the '>' is skipped (up to the end when there is none).
            j = Bytes.firstIndex(of: gt, in: u, from: j) ?? n
        }
        let after = min(j + 1, n)
        // A name the table does not know and no open element has is never open: the end tag is ignored.
        guard let tag = tags.lookup(u, nameStart, nameEnd) ?? unknownTag(u, nameStart, nameEnd, adding: false) else { return after }
        if tags.isSpecial(tag) { return nil }
        var k = depth - 1
        while k >= 0, stack[k] != tag { k -= 1 }
        if k < 0 { return after }  // not open: ignored
        // htmlAutoCloseOnClose: an element of higher end priority in between makes libxml2 ignore the end tag.
        let priority = tags.priority(tag)
        var m = depth - 1
        while m > k {
            if tags.priority(stack[m]) > priority { return after }
            m -= 1
        }
        while depth > k { endTop() }
        return after
    }

    /// "<!--" … "-->" (or "--!>"), at `u[i]` = '<' followed by "!--". Unterminated, it runs to the end.
    func comment(_ u: Span<UInt8>, at i: Int) -> Int? {
        // htmlParseComment reads two characters before it looks for the end.
        var k = i + 4
        while k + 2 < n {
            if u[k] == dash, u[k + 1] == dash {
                if u[k + 2] == gt { return k + 3 }
                if u[k + 2] == bang, k + 3 < n, u[k + 3] == gt { return k + 4 }
            }
            k += 1
        }
        return n
    }

    /// The index of a name the tag table does not know among this field's other unknown names (a new tag
    /// when `adding`), compared without case. nil when there are too many, or the name is too long.
    mutating func unknownTag(_ u: Span<UInt8>, _ start: Int, _ end: Int, adding: Bool) -> Tag? {
        let length = end - start
        guard length <= 60 else { return nil }
        for k in 0..<unknownCount where unknown[2 * k + 1] == length {
            let other = unknown[2 * k]
            var same = true
            for m in 0..<length where lowered(u[start + m]) != lowered(u[other + m]) { same = false; break }
            if same { return TagTable.unknownBase + Tag(k) }
        }
        guard adding, unknownCount < HTMLTextScanner.maxUnknownNames else { return nil }
        unknown[2 * unknownCount] = start
        unknown[2 * unknownCount + 1] = length
        unknownCount += 1
        return TagTable.unknownBase + Tag(unknownCount - 1)
    }

    /// Skips the attributes of a start tag from just after its name, as `htmlParseStartTag` reads them:
    /// the index after the tag's '>' and whether it ended with '/>' (an index past `n` when the input ends
    /// inside the tag). What is not an attribute is skipped up to the next blank or the tag's end, as libxml2
    /// dumps a bogus attribute. nil for a meta element naming a charset (libxml2 would switch encodings).
    func skipAttributes(_ u: Span<UInt8>, from start: Int, meta: Bool) -> (Int, Bool)? {
        var j = start
        while true {
            while j < n, isBlank(u[j]) { j += 1 }
            guard j < n else { return (n + 1, false) }
            let c = u[j]
            if c == gt { return (j + 1, false) }
            if c == slash, j + 1 < n, u[j + 1] == gt { return (j + 2, true) }
            guard isLetter(c) || c == underscore || c == colon || c == dot else {
                while j < n, !isBlank(u[j]), u[j] != gt, !(u[j] == slash && j + 1 < n && u[j + 1] == gt) { j += 1 }
                continue
            }
            let nameStart = j
            j += 1
            while j < n, isNameByte(u[j]) { j += 1 }
            // htmlParseHTMLName stops after 100 characters and reads the rest as what follows.
            if j - nameStart >= 100 { return nil }
            if meta, Self.isCharsetAttribute(u, nameStart, j) { return nil }
            while j < n, isBlank(u[j]) { j += 1 }
            guard j < n else { return (n + 1, false) }
            guard u[j] == equals else { continue }  // an attribute without a value
            j += 1
            while j < n, isBlank(u[j]) { j += 1 }
            guard j < n else { return (n + 1, false) }
            let q = u[j]
            if q == dquote || q == squote {
                guard let close = Bytes.firstIndex(of: q, in: u, from: j + 1) else { return (n + 1, false) }
                j = close + 1
            } else {
                // Unquoted (an HTMLism): up to a blank or '>'; a '/' here belongs to the value.
                while j < n, !isBlank(u[j]), u[j] != gt { j += 1 }
            }
        }
    }

    /// "charset" or "http-equiv", without case: the meta attributes htmlCheckMeta acts on.
    static func isCharsetAttribute(_ u: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        return isName(u, start, end, "charset") || isName(u, start, end, "http-equiv")
    }

    /// Whether `u[start..<end]` is the lower-case ASCII `name`, letters in any case.
    static func isName(_ u: Span<UInt8>, _ start: Int, _ end: Int, _ name: String) -> Bool {
        guard end - start == name.utf8.count else { return false }
        var k = start
        for c in name.utf8 {
            if lowered(u[k]) != c { return false }
            k += 1
        }
        return true
    }

    // MARK: Text

    /// Character data up to the next '<' or '&' (htmlParseCharData), collapsed as it is read: runs of
    /// ordinary bytes (single spaces between them included) are copied in one go.
    mutating func textRun(_ u: Span<UInt8>, at i: Int) -> Int? {
        var keep = skip == 0
        var j = i
        while j < n {
            let c = u[j]
            if c == lt || c == amp { break }
            if isBlank(c) {
                if keep { text.appendSpace() }
                j += 1
                continue
            }
            if c < 0x20 { return nil }
            beforeText()
            keep = skip == 0  // an implied p may have closed a head
            if c == 0xC2, j + 1 < n, u[j + 1] >= 0x80, u[j + 1] <= 0x9F {
                // A C1 control: TextCollapser reads it as windows-1252.
                if keep { text.append(c); text.append(u[j + 1]) }
                j += 2
                continue
            }
            // U+FFFE and U+FFFF are not XML characters: libxml2 drops them.
            if c == 0xEF, j + 2 < n, u[j + 1] == 0xBF, u[j + 2] >= 0xBE { return nil }
            let k = runEnd(u, from: j + 1)
            if keep { text.appendOrdinary(u, j..<k) }
            j = k
        }
        // Whitespace alone is handed over with a paragraph check too, unless libxml2 takes it for ignorable
        // (areBlanks: followed by a tag or the end, in one piece of under 1,000 bytes), which matters only
        // where that check may imply a `p`.
        if (j < n && u[j] == amp) || j - i >= 1000 { beforeText() }
        return j
    }

    /// The end of a run of ordinary bytes with single spaces between them, from `start` (just after its
    /// first byte); the run never ends with a space. Eight ASCII bytes at a time where it can: word-sized
    /// tests find the bytes that end a run, so the spaces between words cost no branch.
    @inline(__always)
    func runEnd(_ u: Span<UInt8>, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let classes = tags.textClasses
        var k = start
        /// Class of the byte before `k` (1: a space).
        var previous: UInt8 = 0
        scan: while true {
            while k + 8 <= n {
                let x = Bytes.word(u, at: k)
                // Non-ASCII bytes, bytes below 0x20, '<' and '&' are looked at one by one.
                if x & highs != 0 || (x &- 0x2020_2020_2020_2020) & ~x & highs != 0 { break }
                let lt8 = x ^ 0x3C3C_3C3C_3C3C_3C3C, amp8 = x ^ 0x2626_2626_2626_2626
                if (lt8 &- ones) & ~lt8 & highs != 0 || (amp8 &- ones) & ~amp8 & highs != 0 { break }
                // 0x80 in every lane holding a space (exact: no borrow between lanes).
                let s = x ^ 0x2020_2020_2020_2020
                let spaces = ~(((s & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | s) & highs
                if spaces & (spaces >> 8) != 0 || (previous == 1 && spaces & 0x80 != 0) { break }
                previous = spaces >> 63 != 0 ? 1 : 0
                k += 8
            }
            // Byte by byte up to the next word: 0 ordinary, 1 a space, 2 a byte that ends the run.
            let limit = min(n, k + 8)
            while k < limit {
                let cls = classes[Int(u[k])]
                if cls > 1 || cls & previous != 0 { break scan }
                previous = cls
                k += 1
            }
            if k >= n { break }
        }
        return u[k - 1] == 0x20 ? k - 1 : k
    }

    mutating func emit(_ scalar: Unicode.Scalar) {
        beforeText()
        if skip == 0 { UTF8.encode(scalar) { text.append($0) } }
    }

    /// A reference at `u[i]` = '&', as htmlParseReference reads it: a character reference (';' optional,
    /// dropped when not an XML character), an entity of libxml2's HTML table with its ';', or else the '&' and
    /// the name as text. nil where libxml2 would read a non-ASCII name.
    mutating func reference(_ u: Span<UInt8>, at i: Int) -> Int? {
        var j = i + 1
        if j < n, u[j] == hash {
            j += 1
            let hex = j < n && (u[j] | 0x20) == UInt8(ascii: "x")
            if hex { j += 1 }
            var value: UInt32 = 0
            while j < n, u[j] != semicolon {
                let d = u[j]
                let digit: UInt32
                if isDigit(d) { digit = UInt32(d - 48) }
                else if hex, (d | 0x20) >= 0x61, (d | 0x20) <= 0x66 { digit = UInt32((d | 0x20) - 87) }
                else { break }
                if value < 0x110000 { value = value * (hex ? 16 : 10) + digit }
                j += 1
            }
            if j < n, u[j] == semicolon { j += 1 }
            if isXMLChar(value), let scalar = Unicode.Scalar(value) { emit(scalar) }
            return j
        }
        guard j < n, isLetter(u[j]) || u[j] == underscore || u[j] == colon else {
            if j < n, u[j] >= 0x80 { return nil }  // a non-ASCII letter may start a name
            emit("&")  // no name
            return j
        }
        let nameStart = j
        var key: UInt64 = 0
        while j < n, isNameByte(u[j]) {
            if j - nameStart < 8 { key |= UInt64(u[j]) << (8 * UInt64(j - nameStart)) }
            j += 1
        }
        guard j < n else {
            // htmlParseName gives up at the end of the input: the '&' alone, the name follows as text.
            emit("&")
            return nameStart
        }
        if u[j] >= 0x80 || isControl(u[j]) { return nil }  // htmlParseNameComplex would read on
        if u[j] == semicolon, j - nameStart <= 8, let value = EntityTable.shared.value(key),
           let scalar = Unicode.Scalar(value) {
            emit(scalar)
            return j + 1
        }
        // An unknown name or no ';': the '&' and the name as text (the ';' follows as text).
        beforeText()
        if skip == 0 {
            text.append(amp)
            text.append(contentsOf: u.extracting(nameStart..<j))
        }
        return j
    }
}

/// libxml2's HTML 4 named entities (every name of `htmlEntityLookup`'s table, up to 8 letters and digits,
/// all of them), keyed by their bytes packed little-endian into a UInt64.
private struct EntityTable {
    static let shared = EntityTable()

    private var keys: [UInt64]
    private var values: [UInt32]
    private let mask: Int

    private init() {
        let entities = LibXML.htmlEntities()
        var size = 16
        while size < entities.count * 2 { size *= 2 }
        mask = size - 1
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: 0, count: size)
        for e in entities {
            let bytes = Array(e.name.utf8)
            guard bytes.count <= 8 else { continue }  // none is; such a name would simply go to libxml2
            var key: UInt64 = 0
            for (k, b) in bytes.enumerated() { key |= UInt64(b) << (8 * UInt64(k)) }
            var slot = Self.hash(key) & mask
            while keys[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = key
            values[slot] = e.value
        }
    }

    @inline(__always) private static func hash(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40)
    }

    func value(_ key: UInt64) -> UInt32? {
        var slot = Self.hash(key) & mask
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }
}

/// What the scanner needs to know of an element name: the extractor's kind, libxml2's empty flag, end
/// priority and start-close pairs. Names are those of libxml2 2.9's HTML 4 element table and of its
/// start-close table, plus the HTML5 elements `HTMLTextExtractor` treats as blocks. Any other name is an
/// ordinary element to libxml2 (not empty, priority 100, in no start-close pair) and inline to the
/// extractor; the scanner numbers such names per field from `unknownBase`.
// A class, not a struct: each scan holds the one shared table by a single reference instead of
// copying (and retaining, then releasing) every one of its arrays.
private final class TagTable: Sendable {
    typealias Tag = UInt8

    static let shared = TagTable()
    static let unknownBase: Tag = 128

    private struct Info {
        var name: [UInt8]
        var block = false
        var dropped = false
        var empty = false
        var special = false
        var impliesHead = false
        var raw = false
        var priority: Int16 = 100
        /// The open elements a start tag of this name closes, as bits by tag.
        var closesLow: UInt64 = 0
        var closesHigh: UInt64 = 0
    }

    // By tag, flat arrays of plain values (lookups copy and retain nothing).
    private let flags: [UInt8]
    private let priorities: [Int16]
    private let closesLow: [UInt64], closesHigh: [UInt64]
    /// The name's bytes packed little-endian: the first eight, then the ninth and tenth (no name is longer).
    private let keyLow: [UInt64], keyHigh: [UInt64]
    private let names: [[UInt8]]
    private let slots: [Int16]
    private let mask: Int
    /// `textByteClasses`, held here so a scan reads it through the table it already holds.
    let textClasses = textByteClasses
    private static let block: UInt8 = 1, dropped: UInt8 = 2, empty: UInt8 = 4, specialElement: UInt8 = 8,
                       headElement: UInt8 = 16, raw: UInt8 = 32
    /// The elements libxml2 implies or treats specially.
    let p: Tag, html: Tag, head: Tag, body: Tag, meta: Tag

    /// libxml2's html40ElementTable names; `empty` marks the elements it ends at once.
    private static let html4: [(String, empty: Bool)] = [
        ("a", false), ("abbr", false), ("acronym", false), ("address", false), ("applet", false), ("area", true),
        ("b", false), ("base", true), ("basefont", true), ("bdo", false), ("big", false), ("blockquote", false),
        ("body", false), ("br", true), ("button", false), ("caption", false), ("center", false), ("cite", false),
        ("code", false), ("col", true), ("colgroup", false), ("dd", false), ("del", false), ("dfn", false),
        ("dir", false), ("div", false), ("dl", false), ("dt", false), ("em", false), ("embed", false),
        ("fieldset", false), ("font", false), ("form", false), ("frame", true), ("frameset", false), ("h1", false),
        ("h2", false), ("h3", false), ("h4", false), ("h5", false), ("h6", false), ("head", false), ("hr", true),
        ("html", false), ("i", false), ("iframe", false), ("img", true), ("input", true), ("ins", false),
        ("isindex", true), ("kbd", false), ("label", false), ("legend", false), ("li", false), ("link", true),
        ("map", false), ("menu", false), ("meta", true), ("noframes", false), ("noscript", false), ("object", false),
        ("ol", false), ("optgroup", false), ("option", false), ("p", false), ("param", true), ("pre", false),
        ("q", false), ("s", false), ("samp", false), ("script", false), ("select", false), ("small", false),
        ("span", false), ("strike", false), ("strong", false), ("style", false), ("sub", false), ("sup", false),
        ("table", false), ("tbody", false), ("td", false), ("textarea", false), ("tfoot", false), ("th", false),
        ("thead", false), ("title", false), ("tr", false), ("tt", false), ("u", false), ("ul", false), ("var", false),
    ]

    /// Names libxml2 does not know that the extractor does (blocks, dropped) or the start-close table lists.
    private static let others = [
        "article", "aside", "figcaption", "figure", "footer", "header", "main", "nav", "section", "template",
        "xmp", "listing",
    ]

    /// Elements whose handling in libxml2 this scanner does not replay: frames (they imply no body).
    private static let special: Set<String> = ["frameset", "frame", "noframes"]
    /// Before any content these imply a `head` (htmlCheckImplied).
    private static let headElements: Set<String> = ["script", "style", "meta", "link", "title", "base"]
    /// Read as raw text up to their end tag (htmlParseScript).
    private static let rawElements: Set<String> = ["script", "style"]

    /// libxml2's htmlEndPriority; every other element has 100.
    private static let priorities: [String: Int16] = [
        "div": 150, "td": 160, "th": 160, "tr": 170, "thead": 180, "tbody": 180, "tfoot": 180, "table": 190,
        "head": 200, "body": 200, "html": 220,
    ]

    /// libxml2 2.9's htmlStartClose: "old new" pairs, a start tag `new` closes an open `old`.
    private static let startClose = """
        a a|a fieldset|a table|a td|a th|address dd|address dl|address dt|address form|address li|address ul|\
        b center|b p|b td|b th|big p|caption col|caption colgroup|caption tbody|caption tfoot|caption thead|\
        caption tr|col col|col colgroup|col tbody|col tfoot|col thead|col tr|colgroup colgroup|colgroup tbody|\
        colgroup tfoot|colgroup thead|colgroup tr|dd dt|dir dd|dir dl|dir dt|dir form|dir ul|dl form|dl li|dt dd|\
        dt dl|font center|font td|font th|form form|h1 fieldset|h1 form|h1 li|h1 p|h1 table|h2 fieldset|h2 form|\
        h2 li|h2 p|h2 table|h3 fieldset|h3 form|h3 li|h3 p|h3 table|h4 fieldset|h4 form|h4 li|h4 p|h4 table|\
        h5 fieldset|h5 form|h5 li|h5 p|h5 table|h6 fieldset|h6 form|h6 li|h6 p|h6 table|head a|head abbr|\
        head acronym|head address|head b|head bdo|head big|head blockquote|head body|head br|head center|head cite|\
        head code|head dd|head dfn|head dir|head div|head dl|head dt|head em|head fieldset|head font|head form|\
        head frameset|head h1|head h2|head h3|head h4|head h5|head h6|head hr|head i|head iframe|head img|head kbd|\
        head li|head listing|head map|head menu|head ol|head p|head pre|head q|head s|head samp|head small|\
        head span|head strike|head strong|head sub|head sup|head table|head tt|head u|head ul|head var|head xmp|\
        hr form|i center|i p|i td|i th|legend fieldset|li li|link body|link frameset|listing dd|listing dl|\
        listing dt|listing fieldset|listing form|listing li|listing table|listing ul|menu dd|menu dl|menu dt|\
        menu form|menu ul|ol form|ol ul|option optgroup|option option|p address|p blockquote|p body|p caption|\
        p center|p col|p colgroup|p dd|p dir|p div|p dl|p dt|p fieldset|p form|p frameset|p h1|p h2|p h3|p h4|\
        p h5|p h6|p head|p hr|p li|p listing|p menu|p ol|p p|p pre|p table|p tbody|p td|p tfoot|p th|p title|\
        p tr|p ul|p xmp|pre dd|pre dl|pre dt|pre fieldset|pre form|pre li|pre table|pre ul|s p|script noscript|\
        small p|span td|span th|strike p|style body|style frameset|tbody tbody|tbody tfoot|td tbody|td td|\
        td tfoot|td th|td tr|tfoot tbody|th tbody|th td|th tfoot|th th|th tr|thead tbody|thead tfoot|title body|\
        title frameset|tr tbody|tr tfoot|tr tr|tt p|u p|u td|u th|ul address|ul form|ul menu|ul ol|ul pre|\
        xmp dd|xmp dl|xmp dt|xmp fieldset|xmp form|xmp li|xmp table|xmp ul
        """

    private init() {
        var infos: [Info] = []
        var index: [String: Tag] = [:]
        func add(_ name: String, empty: Bool) {
            guard index[name] == nil else { return }
            index[name] = Tag(infos.count)
            let kind = HTMLTextExtractor.kind(of: name)
            infos.append(Info(name: Array(name.utf8), block: kind == .block, dropped: kind == .dropped, empty: empty,
                              special: Self.special.contains(name), impliesHead: Self.headElements.contains(name),
                              raw: Self.rawElements.contains(name), priority: Self.priorities[name] ?? 100))
        }
        for (name, empty) in Self.html4 { add(name, empty: empty) }
        for name in Self.others { add(name, empty: false) }
        for pair in Self.startClose.split(separator: "|") {
            let names = pair.split(separator: " ").map(String.init)
            for name in names { add(name, empty: false) }
            let old = Int(index[names[0]]!), new = Int(index[names[1]]!)
            if old < 64 { infos[new].closesLow |= 1 << UInt64(old) } else { infos[new].closesHigh |= 1 << UInt64(old - 64) }
        }
        precondition(infos.count <= Int(Self.unknownBase), "tag table over \(Self.unknownBase) names")
        flags = infos.map { info in
            (info.block ? Self.block : 0) | (info.dropped ? Self.dropped : 0) | (info.empty ? Self.empty : 0)
                | (info.special ? Self.specialElement : 0) | (info.impliesHead ? Self.headElement : 0) | (info.raw ? Self.raw : 0)
        }
        priorities = infos.map(\.priority)
        closesLow = infos.map(\.closesLow)
        closesHigh = infos.map(\.closesHigh)
        names = infos.map(\.name)
        var keyLow: [UInt64] = [], keyHigh: [UInt64] = []
        for info in infos {
            precondition(info.name.count <= 10, "tag name over 10 bytes")
            var low: UInt64 = 0, high: UInt64 = 0
            for (k, b) in info.name.enumerated() {
                if k < 8 { low |= UInt64(b) << (8 * UInt64(k)) } else { high |= UInt64(b) << (8 * UInt64(k - 8)) }
            }
            keyLow.append(low)
            keyHigh.append(high)
        }
        self.keyLow = keyLow
        self.keyHigh = keyHigh
        var size = 64
        while size < infos.count * 4 { size *= 2 }
        var slots = [Int16](repeating: -1, count: size)
        for t in infos.indices {
            var slot = Self.hash(keyLow[t], keyHigh[t]) & (size - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int16(t)
        }
        self.slots = slots
        self.mask = size - 1
        self.p = index["p"]!
        self.html = index["html"]!
        self.head = index["head"]!
        self.body = index["body"]!
        self.meta = index["meta"]!
    }

    @inline(__always) private static func hash(_ low: UInt64, _ high: UInt64) -> Int {
        Int(truncatingIfNeeded: ((low ^ (high &* 0x2545_F491_4F6C_DD1D)) &* 0x9E37_79B9_7F4A_7C15) >> 40)
    }

    /// The tag named by `u[start..<end]` (ASCII letters compared without case), nil for other names.
    func lookup(_ u: Span<UInt8>, _ start: Int, _ end: Int) -> Tag? {
        guard end - start <= 10 else { return nil }
        var low: UInt64 = 0, high: UInt64 = 0
        for k in start..<end {
            let b = UInt64(lowered(u[k]))
            let shift = 8 * UInt64(k - start)
            if k - start < 8 { low |= b << shift } else { high |= b << (shift - 64) }
        }
        var slot = Self.hash(low, high) & mask
        while true {
            let t = slots[slot]
            if t < 0 { return nil }
            if keyLow[Int(t)] == low, keyHigh[Int(t)] == high { return Tag(t) }
            slot = (slot + 1) & mask
        }
    }

    /// The lower-case name of a known tag.
    func name(_ t: Tag) -> [UInt8] { names[Int(t)] }

    @inline(__always) private func has(_ t: Tag, _ flag: UInt8) -> Bool { t < Self.unknownBase && flags[Int(t)] & flag != 0 }
    @inline(__always) func isBlock(_ t: Tag) -> Bool { has(t, Self.block) }
    @inline(__always) func isDropped(_ t: Tag) -> Bool { has(t, Self.dropped) }
    @inline(__always) func isEmpty(_ t: Tag) -> Bool { has(t, Self.empty) }
    @inline(__always) func isSpecial(_ t: Tag) -> Bool { has(t, Self.specialElement) }
    @inline(__always) func impliesHead(_ t: Tag) -> Bool { has(t, Self.headElement) }
    @inline(__always) func isRaw(_ t: Tag) -> Bool { has(t, Self.raw) }
    @inline(__always) func priority(_ t: Tag) -> Int16 { t < Self.unknownBase ? priorities[Int(t)] : 100 }

    /// Whether a start tag `new` closes an open `old` (libxml2's htmlCheckAutoClose).
    @inline(__always) func closes(_ new: Tag, _ old: Tag) -> Bool {
        guard new < Self.unknownBase, old < Self.unknownBase else { return false }
        return old < 64 ? closesLow[Int(new)] & (1 << UInt64(old)) != 0 : closesHigh[Int(new)] & (1 << UInt64(old - 64)) != 0
    }
}

/// For the fuzz target's html mode (Fuzz/, `FUZZ_MODE=html scripts/fuzz-parser`): both HTML-to-text paths
/// on one field.
@_spi(Fuzzing) public enum HTMLTextPaths {
    /// The byte-level path's text (nil when it steps aside) and libxml2's.
    public static func both(_ html: String) -> (fast: String?, libxml2: String) {
        (HTMLTextScanner.plainText(html), HTMLTextParser().plainText(html))
    }
}
