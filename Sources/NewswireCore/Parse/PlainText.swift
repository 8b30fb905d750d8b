/// Turns feed text into the plain text of the schema. HTML goes through libxml2's HTML parser
/// (entities decoded, block elements become line breaks, script/style dropped); text without `<` or `&`
/// takes a fast path that only collapses whitespace. The output is never markup.
enum PlainText {
    /// Collapses every run of whitespace to one space and trims. For text that is already plain.
    /// C1 control characters (U+0080–U+009F), which real feeds mean as windows-1252 (’ “ ” …), become those.
    static func collapse(_ s: String) -> String {
        // Byte by byte: the spaces are ASCII, and C1 controls (U+0080...U+009F, UTF-8 C2 80...C2 9F) are
        // read as the windows-1252 characters they almost always are; every other byte is copied.
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        var pendingSpace = false
        var previous: UInt8 = 0
        for b in s.utf8 {
            defer { previous = b }
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B:
                pendingSpace = !out.isEmpty
                continue
            case 0x80...0x9F where previous == 0xC2:
                out.removeLast()  // the C2 lead byte
                if let mapped = Unicode.Scalar(DocumentDecoder.cp1252Scalar(b)) { UTF8.encode(mapped) { out.append($0) } }
                continue
            default:
                break
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// HTML (a fragment or a page) to plain text.
    static func fromHTML(_ html: String) -> String {
        if !html.utf8.contains(UInt8(ascii: "<")) && !html.utf8.contains(UInt8(ascii: "&")) {
            return collapse(html)
        }
        let extractor = HTMLTextExtractor()
        HTMLStreamParser.parse(utf8: Array(html.utf8), sink: extractor)
        return extractor.result()
    }

    /// Text that may or may not be HTML (RSS without a type): HTML-looking text is converted, other text collapsed.
    static func guess(_ s: String) -> String {
        looksLikeHTML(s) ? fromHTML(s) : collapse(s)
    }

    /// `<` followed by a letter, `/`, `!` or `?`, or an entity reference (`&amp;`, `&#38;`, `&#x26;`).
    static func looksLikeHTML(_ s: String) -> Bool {
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
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s }  // ASCII has no mojibake to repair
        var bytes: [UInt8] = []
        var sawHigh = false
        for ch in s.unicodeScalars {
            let v = ch.value
            if v < 0x80 { bytes.append(UInt8(v)); continue }
            sawHigh = true
            if v <= 0xFF { bytes.append(UInt8(v)); continue }
            guard let b = DocumentDecoder.cp1252Byte(for: v) else { return s }
            bytes.append(b)
        }
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

extension String {
    /// Trims ASCII whitespace at both ends.
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !PlainText.isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !PlainText.isSpace($0) })!
        return String(scalars[first...last])
    }
}
