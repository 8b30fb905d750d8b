import Foundation

/// Turns feed text into the plain text of the schema. HTML goes through libxml2's HTML parser
/// (entities decoded, block elements become line breaks, script/style dropped); the markup most fields carry
/// takes a byte-level path (`HTMLTextScanner`) with the same result. The output is never markup.
enum PlainText {
    /// Collapses every run of whitespace to one space and trims. For text that is already plain.
    /// C1 control characters (U+0080–U+009F), which real feeds mean as windows-1252 (’ “ ” …), become those.
    static func collapse(_ s: String) -> String {
        // Most values (names, ids, categories) are collapsed already: the string itself, not a copy.
        if isCollapsed(s.utf8.span) { return s }
        var c = TextCollapser(capacity: s.utf8.count, validInput: true)
        c.append(contentsOf: s.utf8.span)
        return c.string()
    }

    /// Whether `collapse` would return `u` as it is: ordinary bytes (`TextCollapser`'s: not whitespace,
    /// control or C1 candidate) with single spaces between two of them, none at either end.
    static func isCollapsed(_ u: Span<UInt8>) -> Bool {
        let n = u.count
        var i = 0
        while i < n {
            let c = u[i]
            if c > 0x20, c < 0x80 || c > 0x9F {
                i += 1
                continue
            }
            // A space after an ordinary byte (i > 0 only after one) and before another.
            guard c == 0x20, i > 0, i + 1 < n else { return false }
            let d = u[i + 1]
            guard d > 0x20, d < 0x80 || d > 0x9F else { return false }
            i += 2
        }
        return true
    }

    /// HTML (a fragment or a page) to plain text. `parser` is reused between calls (one per document).
    static func fromHTML(_ html: String) -> String { fromHTML(html, parser: nil) }

    static func fromHTML(_ html: String, parser: HTMLTextParser?) -> String {
        htmlFieldObserver?(html)
        // The markup most fields carry is read byte by byte, with libxml2's result; anything else goes to libxml2.
        if let text = HTMLTextScanner.plainText(html) { return text }
        let p = parser ?? HTMLTextParser()
        return p.plainText(html)
    }

    /// Bound by the differential tests: sees every HTML field `fromHTML` converts while it is bound.
    @TaskLocal static var htmlFieldObserver: (@Sendable (String) -> Void)?

    /// Whether the UTF-8 of `s` holds the byte `b`.
    static func contains(_ s: String, _ b: UInt8) -> Bool { Bytes.contains(b, in: s.utf8.span) }

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
        // memchr finds the C3 bytes (rare outside Latin text) many bytes at a time.
        let mayHaveLead = { () -> Bool in
            let u = s.utf8.span
            var i = 0
            while let k = Bytes.firstIndex(of: 0xC3, in: u, from: i) {
                if k + 1 < u.count, u[k + 1] >= 0x82, u[k + 1] <= 0xB4 { return true }
                i = k + 1
            }
            return false
        }()
        if !mayHaveLead { return s }
        // The ASCII prefix is copied as is; the characters are read from the first other one.
        let asciiPrefix = { () -> Int in
            let u = s.utf8.span
            var k = 0
            while k < u.count, u[k] < 0x80 { k += 1 }
            return k
        }()
        let rest = s.utf8.index(s.utf8.startIndex, offsetBy: asciiPrefix)
        // The byte a character stands for, if it stands for one.
        func byte(_ v: UInt32) -> UInt8? { v <= 0xFF ? UInt8(v) : DocumentDecoder.cp1252Byte(for: v) }
        // A first pass only decides (most text that gets here is genuine UTF-8, "café", and fails within a
        // few characters): nothing is copied unless the repair will be kept.
        var shape = UTF8Shape()
        for ch in s.unicodeScalars[rest...] {
            guard let b = byte(ch.value), shape.add(b) else { return s }
        }
        guard shape.isCompleteWithNonASCII else { return s }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        bytes.append(contentsOf: s.utf8[..<rest])
        for ch in s.unicodeScalars[rest...] { bytes.append(byte(ch.value)!) }
        guard let fixed = String(validating: bytes, as: UTF8.self) else { return s }
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
    /// Every byte appended comes from valid UTF-8 (a String's): then so does the result, which is built without
    /// validating it again. The collapser cuts and inserts only next to ASCII bytes and replaces a C2 80–9F pair
    /// by a whole scalar's bytes, so valid input gives valid output.
    private let validInput: Bool

    init(capacity: Int, validInput: Bool = false) {
        out.reserveCapacity(capacity)
        self.validInput = validInput
    }

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
    mutating func append(contentsOf u: Span<UInt8>) {
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
                Bytes.append(u, i..<j, to: &out)
                lineLength += j - i
                previous = u[j - 1]
                i = j
            }
        }
    }

    /// A whitespace byte, as `append(_:)` takes it.
    @inline(__always)
    mutating func appendSpace() {
        pendingSpace = lineLength > 0
        previous = 0x20
    }

    /// Bytes none of which is whitespace or a C1 control's lead byte (C2), with at most single spaces
    /// between them and none at either end, as `append(_:)` would take them one by one.
    @inline(__always)
    mutating func appendOrdinary(_ u: Span<UInt8>, _ run: Range<Int>) {
        guard !run.isEmpty else { return }
        if lineLength == 0, !out.isEmpty {
            out.append(0x0A)
        } else if pendingSpace {
            out.append(0x20)
        }
        pendingSpace = false
        Bytes.append(u, run, to: &out)
        lineLength += run.count
        previous = u[run.upperBound - 1]
    }

    /// Ends the current line: the next text starts a new one.
    mutating func breakLine() {
        lineLength = 0
        pendingSpace = false
        previous = 0
    }

    func string() -> String { validInput ? Bytes.string(validUTF8: out) : Bytes.string(out) }
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

/// UTF-8's structure checked one byte at a time: what the mojibake repairs (`PlainText`, `FeedBuilder`)
/// decide before they copy anything, since the validation of the copy would fail where this does.
struct UTF8Shape {
    private(set) var sawHigh = false
    /// Continuation bytes still expected after a lead byte.
    private var expected = 0

    /// False when `b` breaks the structure: a missing or stray continuation byte, or a byte no UTF-8 has.
    @inline(__always)
    mutating func add(_ b: UInt8) -> Bool {
        if b >= 0x80 { sawHigh = true }
        if expected > 0 {
            guard b >= 0x80, b <= 0xBF else { return false }
            expected -= 1
        } else if b >= 0x80 {
            switch b {
            case 0xC2...0xDF: expected = 1
            case 0xE0...0xEF: expected = 2
            case 0xF0...0xF4: expected = 3
            default: return false
            }
        }
        return true
    }

    /// Every sequence ended, and at least one byte was not ASCII.
    var isCompleteWithNonASCII: Bool { sawHigh && expected == 0 }
}
