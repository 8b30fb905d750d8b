/// Reads the fields the classifier takes from one JSON Lines object (`id`, `title`, `summary`, `content`,
/// `text`) in one pass over its bytes, skipping every other value. A full JSON parser builds a dictionary of
/// boxed values per line, which made reading input most of `newswired classify --json`'s time.
///
/// The line must be one complete, valid JSON object (whitespace around it allowed); anything else is
/// rejected as a whole, as JSONSerialization would.
enum JSONLineParser {
    struct Fields {
        var blank = false
        var id: String?
        var title: String?
        var summary: String?
        var content: String?
        var text: String?

        func item(line: Int) -> ClassifierTextSource.Item? {
            if blank { return nil }
            return ClassifierTextSource.Item(id: id, input: ClassifierInput(title: title, summary: summary, content: content ?? text))
        }
    }

    /// The fields of the object in `bytes[range]`, `Fields(blank: true)` for a blank line, nil when the line is
    /// not a valid JSON object.
    static func parse(_ bytes: [UInt8], _ range: Range<Int>) -> Fields? {
        var p = Parser(bytes: bytes, i: range.lowerBound, end: range.upperBound)
        p.skipSpace()
        if p.i == p.end { return Fields(blank: true) }
        var fields = Fields()
        guard p.take(0x7B) else { return nil }   // {
        p.skipSpace()
        if !p.take(0x7D) {
            repeat {
                p.skipSpace()
                guard let key = p.string() else { return nil }
                p.skipSpace()
                guard p.take(0x3A) else { return nil }   // :
                p.skipSpace()
                switch key {
                case "id":
                    if p.peek == 0x22 { fields.id = p.string(); if fields.id == nil { return nil } }
                    else if let n = p.numberText() { fields.id = n }
                    else { guard p.skipValue() else { return nil }; fields.id = nil }
                case "title", "summary", "content", "text":
                    var value: String?
                    if p.peek == 0x22 { guard let s = p.string() else { return nil }; value = s }
                    else { guard p.skipValue() else { return nil } }
                    switch key {
                    case "title": fields.title = value
                    case "summary": fields.summary = value
                    case "content": fields.content = value
                    default: fields.text = value
                    }
                default:
                    guard p.skipValue() else { return nil }
                }
                p.skipSpace()
            } while p.take(0x2C)
            guard p.take(0x7D) else { return nil }
        }
        p.skipSpace()
        return p.i == p.end ? fields : nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var i: Int
        let end: Int
        var depth = 0

        var peek: UInt8? { i < end ? bytes[i] : nil }

        mutating func take(_ b: UInt8) -> Bool {
            if i < end && bytes[i] == b { i += 1; return true }
            return false
        }

        mutating func skipSpace() {
            while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D || bytes[i] == 0x0A { i += 1 }
        }

        /// A JSON string, unescaped; nil when malformed.
        mutating func string() -> String? {
            guard take(0x22) else { return nil }
            let start = i
            // Fast path: no escapes.
            while i < end, bytes[i] != 0x22, bytes[i] != 0x5C {
                if bytes[i] < 0x20 { return nil }
                i += 1
            }
            guard i < end else { return nil }
            if bytes[i] == 0x22 {
                defer { i += 1 }
                return String(decoding: bytes[start..<i], as: UTF8.self)
            }
            var out = Array(bytes[start..<i])
            while i < end {
                let b = bytes[i]
                if b == 0x22 { i += 1; return String(decoding: out, as: UTF8.self) }
                if b < 0x20 { return nil }
                if b != 0x5C { out.append(b); i += 1; continue }
                i += 1
                guard i < end else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    guard var u = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(u), i + 1 < end, bytes[i] == 0x5C, bytes[i + 1] == 0x75 {
                        let save = i
                        i += 2
                        if let low = hex4(), (0xDC00...0xDFFF).contains(low) {
                            u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                        } else { i = save }
                    }
                    let scalar = Unicode.Scalar(u) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= end else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: return nil
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        /// A JSON number's text, as written; nil (and nothing consumed) when there is none.
        mutating func numberText() -> String? {
            let start = i
            _ = take(0x2D)
            var digits = 0
            while i < end, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1; digits += 1 }
            guard digits > 0 else { i = start; return nil }
            if take(0x2E) {
                var frac = 0
                while i < end, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1; frac += 1 }
                guard frac > 0 else { i = start; return nil }
            }
            if i < end, bytes[i] == 0x65 || bytes[i] == 0x45 {
                i += 1
                if i < end, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
                var exp = 0
                while i < end, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1; exp += 1 }
                guard exp > 0 else { i = start; return nil }
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        /// Skips any JSON value; false when malformed or nested deeper than 64 levels.
        mutating func skipValue() -> Bool {
            guard let b = peek else { return false }
            switch b {
            case 0x22: return string() != nil
            case 0x7B, 0x5B:
                depth += 1
                defer { depth -= 1 }
                guard depth <= 64 else { return false }
                let close: UInt8 = b == 0x7B ? 0x7D : 0x5D
                i += 1
                skipSpace()
                if take(close) { return true }
                repeat {
                    skipSpace()
                    if b == 0x7B {
                        guard string() != nil else { return false }
                        skipSpace()
                        guard take(0x3A) else { return false }
                        skipSpace()
                    }
                    guard skipValue() else { return false }
                    skipSpace()
                } while take(0x2C)
                return take(close)
            case 0x74: return literal("true")
            case 0x66: return literal("false")
            case 0x6E: return literal("null")
            default: return numberText() != nil
            }
        }

        mutating func literal(_ word: String) -> Bool {
            let n = word.utf8.count
            guard i + n <= end, bytes[i..<(i + n)].elementsEqual(word.utf8) else { return false }
            i += n
            return true
        }
    }
}
