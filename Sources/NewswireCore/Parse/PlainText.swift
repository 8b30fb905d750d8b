import Foundation

/// Turns feed text into the plain text of the schema. HTML goes through libxml2's HTML parser
/// (entities decoded, block elements become line breaks, script/style dropped); text without `<` takes a
/// fast path that decodes references and collapses whitespace, with the same result. The output is never markup.
enum PlainText {
    /// Collapses every run of whitespace to one space and trims. For text that is already plain.
    /// C1 control characters (U+0080–U+009F), which real feeds mean as windows-1252 (’ “ ” …), become those.
    static func collapse(_ s: String) -> String {
        var c = TextCollapser(capacity: s.utf8.count)
        c.append(contentsOf: s.utf8)
        return c.string()
    }

    /// HTML (a fragment or a page) to plain text. `parser` is reused between calls (one per document).
    static func fromHTML(_ html: String) -> String { fromHTML(html, parser: nil) }

    static func fromHTML(_ html: String, parser: HTMLTextParser?) -> String {
        if !contains(html, UInt8(ascii: "<")) {
            // No markup: what libxml2's HTML parser would give is the text with its references decoded,
            // collapsed. References it would treat in any other way than decoding take the parser.
            if !contains(html, UInt8(ascii: "&")) { return collapse(html) }
            if let text = decodingReferences(html) { return text }
        }
        let p = parser ?? HTMLTextParser()
        return p.plainText(html)
    }

    /// Text without `<`: references decoded (HTML 4 names from libxml2's table, decimal and hexadecimal
    /// character references), then collapsed. nil when the text holds anything libxml2's HTML parser would
    /// not simply decode: a bare `&`, an unknown name, a reference without `;`, a number that is not an XML
    /// character, a control character, U+FFFE/U+FFFF or a byte-order mark.
    static func decodingReferences(_ s: String) -> String? {
        var c = TextCollapser(capacity: s.utf8.count)
        var failed = false
        s.utf8.withContiguousStorageIfAvailable { u in
            let n = u.count
            if n >= 3, u[0] == 0xEF, u[1] == 0xBB, u[2] == 0xBF { failed = true; return }
            var i = 0
            while i < n {
                let b = u[i]
                if b < 0x20, b != 0x09, b != 0x0A, b != 0x0D { failed = true; return }
                // U+FFFE and U+FFFF are not XML characters: libxml2's HTML parser drops them.
                if b == 0xEF, i + 2 < n, u[i + 1] == 0xBF, u[i + 2] >= 0xBE { failed = true; return }
                guard b == UInt8(ascii: "&") else { c.append(b); i += 1; continue }
                var j = i + 1
                var value: UInt32 = 0
                if j < n, u[j] == UInt8(ascii: "#") {
                    j += 1
                    let hex = j < n && (u[j] == UInt8(ascii: "x") || u[j] == UInt8(ascii: "X"))
                    if hex { j += 1 }
                    let start = j
                    while j < n, j - start < 8 {
                        let d = u[j]
                        if d >= 48 && d <= 57 { value = value * (hex ? 16 : 10) + UInt32(d - 48) }
                        else if hex, d >= 97 && d <= 102 { value = value * 16 + UInt32(d - 87) }
                        else if hex, d >= 65 && d <= 70 { value = value * 16 + UInt32(d - 55) }
                        else { break }
                        j += 1
                    }
                    guard j > start, j < n, u[j] == UInt8(ascii: ";") else { failed = true; return }
                    let isXMLChar = value == 0x09 || value == 0x0A || value == 0x0D || (value >= 0x20 && value <= 0xD7FF)
                        || (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF)
                    guard isXMLChar else { failed = true; return }
                } else {
                    let start = j
                    while j < n, j - start < 32, isLetter(u[j]) || (j > start && u[j] >= 48 && u[j] <= 57) { j += 1 }
                    guard j > start, j < n, u[j] == UInt8(ascii: ";"),
                          let scalar = LibXML.htmlEntity(named: String(decoding: UnsafeBufferPointer(rebasing: u[start..<j]), as: UTF8.self))
                    else { failed = true; return }
                    value = scalar.value
                }
                guard let scalar = Unicode.Scalar(value) else { failed = true; return }
                UTF8.encode(scalar) { c.append($0) }
                i = j + 1
            }
        }
        return failed ? nil : c.string()
    }

    /// Whether the UTF-8 of `s` holds the byte `b` (memchr over contiguous UTF-8).
    static func contains(_ s: String, _ b: UInt8) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { u in
            guard let base = u.baseAddress else { return false }
            return memchr(base, Int32(b), u.count) != nil
        } ?? s.utf8.contains(b)
    }

    /// Text that may or may not be HTML (RSS without a type): HTML-looking text is converted, other text collapsed.
    static func guess(_ s: String) -> String { guess(s, parser: nil) }

    static func guess(_ s: String, parser: HTMLTextParser?) -> String {
        looksLikeHTML(s) ? fromHTML(s, parser: parser) : collapse(s)
    }

    /// `<` followed by a letter, `/`, `!` or `?`, or an entity reference (`&amp;`, `&#38;`, `&#x26;`).
    static func looksLikeHTML(_ s: String) -> Bool {
        if !contains(s, UInt8(ascii: "<")) && !contains(s, UInt8(ascii: "&")) { return false }
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            let c = u[i]
            if c == UInt8(ascii: "<"), i + 1 < u.count {
                let n = u[i + 1]
                if isLetter(n) || n == UInt8(ascii: "/") || n == UInt8(ascii: "!") || n == UInt8(ascii: "?") { return true }
            } else if c == UInt8(ascii: "&"), i + 1 < u.count {
                var j = i + 1
                if u[j] == UInt8(ascii: "#") {
                    j += 1
                    if j < u.count, u[j] == UInt8(ascii: "x") || u[j] == UInt8(ascii: "X") { j += 1 }
                    if j < u.count, isHex(u[j]) { return true }
                } else if isLetter(u[j]) {
                    while j < u.count, isLetter(u[j]) || isHex(u[j]) { j += 1 }
                    if j < u.count, u[j] == UInt8(ascii: ";") { return true }
                }
            }
            i += 1
        }
        return false
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    private static func isHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) }

    /// UTF-8 that was read as windows-1252/latin-1 somewhere upstream ("cafÃ©", "â€¦") is read back as
    /// UTF-8 when every character maps to one byte and those bytes are valid, multi-byte UTF-8.
    static func repairingMojibake(_ s: String) -> String {
        // Repaired bytes are valid UTF-8 only with a lead byte among them, a character U+00C2...U+00F4
        // (UTF-8 C3 82...C3 B4); without one (ASCII, most non-Latin text) there is nothing to repair.
        func mayHaveLead<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Bool {
            var previous: UInt8 = 0
            for b in bytes {
                if previous == 0xC3, b >= 0x82, b <= 0xB4 { return true }
                previous = b
            }
            return false
        }
        if !(s.utf8.withContiguousStorageIfAvailable(mayHaveLead) ?? mayHaveLead(s.utf8)) { return s }
        // The ASCII prefix is copied as is; the characters are read from the first other one.
        let asciiPrefix = s.utf8.withContiguousStorageIfAvailable { u in u.firstIndex(where: { $0 >= 0x80 }) ?? u.count }
            ?? (s.utf8.firstIndex(where: { $0 >= 0x80 }).map { s.utf8.distance(from: s.utf8.startIndex, to: $0) } ?? s.utf8.count)
        let rest = s.utf8.index(s.utf8.startIndex, offsetBy: asciiPrefix)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        bytes.append(contentsOf: s.utf8[..<rest])
        var sawHigh = false
        // Continuation bytes still expected after a lead byte: where the bytes cannot be valid UTF-8
        // (a missing or stray continuation byte, a byte no UTF-8 has), the validation below would fail.
        var expected = 0
        for ch in s.unicodeScalars[rest...] {
            let v = ch.value
            let b: UInt8
            if v < 0x80 {
                b = UInt8(v)
            } else {
                sawHigh = true
                if v <= 0xFF {
                    b = UInt8(v)
                } else {
                    guard let c = DocumentDecoder.cp1252Byte(for: v) else { return s }
                    b = c
                }
            }
            if expected > 0 {
                guard b >= 0x80, b <= 0xBF else { return s }
                expected -= 1
            } else if b >= 0x80 {
                switch b {
                case 0xC2...0xDF: expected = 1
                case 0xE0...0xEF: expected = 2
                case 0xF0...0xF4: expected = 3
                default: return s
                }
            }
            bytes.append(b)
        }
        guard expected == 0 else { return s }
        guard sawHigh, let fixed = String(validating: bytes, as: UTF8.self) else { return s }
        return fixed
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B: return true
        default: return false
        }
    }
}

/// Collapses whitespace byte by byte into lines of text: every run of ASCII whitespace becomes one space,
/// lines are trimmed, empty lines are dropped and the others joined with "\n". C1 controls (U+0080...U+009F,
/// UTF-8 C2 80...C2 9F) are read as the windows-1252 characters they almost always are; every other byte is
/// copied (the separators are ASCII, so no byte of a multi-byte sequence is taken for one).
struct TextCollapser {
    private var out: [UInt8] = []
    private var lineLength = 0
    private var pendingSpace = false
    private var previous: UInt8 = 0

    init(capacity: Int) { out.reserveCapacity(capacity) }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        defer { previous = b }
        switch b {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B:
            pendingSpace = lineLength > 0
            return
        // The five windows-1252 leaves undefined (81, 8D, 8F, 90, 9D) stay themselves, as the reference keeps them.
        case 0x80...0x9F where previous == 0xC2 && DocumentDecoder.cp1252Scalar(b) != 0xFFFD:
            out.removeLast()  // the C2 lead byte
            lineLength -= 1
            if let mapped = Unicode.Scalar(DocumentDecoder.cp1252Scalar(b)) {
                UTF8.encode(mapped) { out.append($0); lineLength += 1 }
            }
            return
        default:
            break
        }
        if lineLength == 0, !out.isEmpty {
            out.append(0x0A)
        } else if pendingSpace {
            out.append(0x20)
        }
        pendingSpace = false
        out.append(b)
        lineLength += 1
    }

    /// Appends bytes as `append(_:)` does one by one; runs of bytes that are neither whitespace nor
    /// C1 candidates (with single spaces between them) are copied in one go.
    mutating func append<Bytes: Collection<UInt8>>(contentsOf bytes: Bytes) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { u in
            let n = u.count
            var i = 0
            while i < n {
                let b = u[i]
                append(b)
                i += 1
                if b <= 0x20 || (b >= 0x80 && b <= 0x9F) { continue }
                // A run of ordinary bytes, single spaces between two of them included: copied as they are.
                var j = i
                while j < n {
                    let c = u[j]
                    if c > 0x20, c < 0x80 || c > 0x9F { j += 1; continue }
                    if c == 0x20, j + 1 < n {
                        let d = u[j + 1]
                        if d > 0x20, d < 0x80 || d > 0x9F { j += 2; continue }
                    }
                    break
                }
                if j > i {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: u[i..<j]))
                    lineLength += j - i
                    previous = u[j - 1]
                    i = j
                }
            }
        }
        if done == nil { for b in bytes { append(b) } }
    }

    /// Ends the current line: the next text starts a new one.
    mutating func breakLine() {
        lineLength = 0
        pendingSpace = false
        previous = 0
    }

    func string() -> String { String(decoding: out, as: UTF8.self) }
}

extension String {
    /// Trims ASCII whitespace at both ends.
    func trimmingSpaces() -> String {
        // Nothing to trim (the usual case): the string itself, not a copy.
        guard let head = utf8.first, let tail = utf8.last else { return self }
        if !PlainText.isSpace(Unicode.Scalar(head)), !PlainText.isSpace(Unicode.Scalar(tail)) { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !PlainText.isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !PlainText.isSpace($0) })!
        return String(scalars[first...last])
    }
}
