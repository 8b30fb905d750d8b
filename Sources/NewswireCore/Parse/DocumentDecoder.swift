import Foundation

/// Decides a document's character encoding and turns its bytes into UTF-8 before libxml2 sees them.
///
/// Precedence: byte-order mark, then the charset of the HTTP Content-Type, then the XML declaration,
/// then UTF-16/32 recognised from the first bytes, then UTF-8. Bytes that are not valid in the chosen
/// encoding are never passed through: invalid UTF-8 is re-read as windows-1252 (the usual mislabel) and
/// reported, other charsets replace undecodable bytes with U+FFFD.
struct DocumentDecoder {
    struct Decoded {
        var utf8: [UInt8]
        /// The encoding the bytes were read as (lower-case name).
        var encoding: String
        /// Set when the declared encoding could not be honoured (invalid bytes, unknown charset).
        var problem: String?
        /// Set when the XML declaration did not open the document (whitespace before it). The declaration is
        /// still read, but the document is not well-formed: an XML parser must reject a declaration anywhere
        /// else, as expat (feedparser's parser) does ("XML or text declaration not at start of entity").
        var misplacedDeclaration: String?
    }

    static func decode(_ data: Data, contentType: String?) throws(ParseError) -> Decoded {
        var misplaced: String?
        var d = try decodeBytes(data, contentType: contentType, misplacedDeclaration: &misplaced)
        d.utf8 = relabelDeclaration(d.utf8)
        d.misplacedDeclaration = misplaced
        return d
    }

    /// Rewrites the XML declaration's `encoding` to UTF-8: the bytes are UTF-8 now, and libxml2 rejects
    /// some real-world labels ("437") as invalid names.
    static func relabelDeclaration(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.starts(with: Array("<?xml".utf8)) else { return bytes }
        let limit = min(bytes.count, 512)
        guard let end = (0..<max(0, limit - 1)).first(where: { bytes[$0] == UInt8(ascii: "?") && bytes[$0 + 1] == UInt8(ascii: ">") })
        else { return bytes }
        let decl = String(decoding: bytes[0..<end], as: UTF8.self)
        guard let r = decl.range(of: "encoding") else { return bytes }
        var rest = decl[r.upperBound...]
        rest = rest.drop(while: { $0 == " " || $0 == "=" || $0 == "\t" })
        guard let q = rest.first, q == "\"" || q == "'" else { return bytes }
        let afterQuote = rest.dropFirst()
        guard let close = afterQuote.firstIndex(of: q) else { return bytes }
        // Labelled UTF-8 already (any case, either quote, no spaces around '='), the usual case: the rewrite
        // would keep every byte's position and libxml2 ignores the label, so the document is left as it is
        // instead of copied whole.
        if decl[r.upperBound..<rest.startIndex] == "=", afterQuote[..<close].lowercased() == "utf-8" { return bytes }
        let newDecl = String(decl[..<r.lowerBound]) + "encoding=\"UTF-8\"" + String(decl[decl.index(after: close)...])
        return Array(newDecl.utf8) + bytes[end...]
    }

    private static func decodeBytes(_ data: Data, contentType: String?,
                                    misplacedDeclaration: inout String?) throws(ParseError) -> Decoded {
        var bytes = [UInt8](data)
        // 1. Byte-order marks.
        var bomEncoding: String?
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bomEncoding = "utf-8"; bytes.removeFirst(3) }
        else if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { bomEncoding = "utf-32be"; bytes.removeFirst(4) }
        else if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { bomEncoding = "utf-32le"; bytes.removeFirst(4) }
        else if bytes.starts(with: [0xFE, 0xFF]) { bomEncoding = "utf-16be"; bytes.removeFirst(2) }
        else if bytes.starts(with: [0xFF, 0xFE]) { bomEncoding = "utf-16le"; bytes.removeFirst(2) }

        // Whitespace before the XML declaration (a common server-side template slip) is dropped, so that
        // the declaration is read and libxml2 does not stop at it; the document is reported as not well-formed.
        if bomEncoding == nil || bomEncoding == "utf-8" {
            let lead = bytes.prefix(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }).count
            if lead > 0, bytes[lead...].starts(with: Array("<?xml".utf8)),
               bytes.count > lead + 5, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[lead + 5]) {
                bytes.removeFirst(lead)
                misplacedDeclaration = "line 1: XML declaration after \(lead) byte(s) of whitespace, not at the start"
            }
        }

        // 2. Unmarked UTF-16/32 and EBCDIC from the first bytes of "<?xml".
        var sniffed: String?
        if bomEncoding == nil {
            if bytes.starts(with: [0x00, 0x00, 0x00, 0x3C]) { sniffed = "utf-32be" }
            else if bytes.starts(with: [0x3C, 0x00, 0x00, 0x00]) { sniffed = "utf-32le" }
            else if bytes.starts(with: [0x00, 0x3C, 0x00, 0x3F]) { sniffed = "utf-16be" }
            else if bytes.starts(with: [0x3C, 0x00, 0x3F, 0x00]) { sniffed = "utf-16le" }
            else if bytes.starts(with: [0x4C, 0x6F, 0xA7, 0x94]) { sniffed = "cp037" }
        }
        let declared = declaredEncoding(bytes, family: bomEncoding ?? sniffed)
        let httpCharset = contentType.flatMap(charset(ofContentType:))

        var chosen: String
        if let bomEncoding {
            chosen = bomEncoding
        } else if let httpCharset, isUsable(httpCharset) {
            chosen = httpCharset
        } else if let sniffed {
            // The declaration may refine the family (utf-16 -> utf-16le); the bytes decide the width.
            chosen = sniffed
            if sniffed == "cp037", let declared, LibXML.knowsEncoding(canonical(declared)) { chosen = declared }
        } else if let declared {
            chosen = declared
        } else {
            chosen = "utf-8"
        }
        chosen = canonical(chosen)
        if (chosen == "utf-16" || chosen == "utf-32"), let fam = bomEncoding ?? sniffed { chosen = fam }
        if chosen == "utf-16" { chosen = "utf-16be" }
        if chosen == "utf-32" { chosen = "utf-32be" }
        if bomEncoding == nil, sniffed == nil, chosen.hasPrefix("utf-16") || chosen.hasPrefix("utf-32") {
            // Declared as UTF-16/32, but the bytes are ASCII-compatible: the declaration is wrong.
            chosen = "utf-8"
        }

        if chosen == "utf-8" || chosen == "us-ascii" {
            return decodeUTF8(bytes, label: chosen)
        }
        // ISO-8859-1 labels are read as its superset windows-1252, as browsers do.
        if chosen == "windows-1252" || chosen == "iso-8859-1" {
            return Decoded(utf8: windows1252ToUTF8(bytes), encoding: "windows-1252", problem: nil)
        }
        if let high = singleByteHighHalves[chosen] {
            return Decoded(utf8: decodeSingleByte(bytes, high: high), encoding: chosen, problem: nil)
        }
        if let (out, invalid) = LibXML.transcodeToUTF8(bytes, from: chosen) {
            return Decoded(utf8: out, encoding: chosen,
                           problem: invalid > 0 ? "\(invalid) bytes invalid in \(chosen) were replaced" : nil)
        }
        var d = decodeUTF8(bytes, label: "utf-8")
        d.problem = d.problem ?? "unknown encoding \(chosen); read as utf-8"
        return d
    }

    /// A charset we can decode (an unknown HTTP charset falls back to the document's own declaration).
    private static func isUsable(_ name: String) -> Bool {
        let c = canonical(name)
        return ["utf-8", "us-ascii", "windows-1252", "iso-8859-1", "utf-16", "utf-32"].contains(c)
            || singleByteHighHalves[c] != nil || LibXML.knowsEncoding(c)
    }

    /// Charsets the reference (Python's codecs) reads and glibc's iconv does not: bytes 0x80...0xFF, in order.
    private static let singleByteHighHalves: [String: [UInt32]] = [
        "mac-greek": [
            0x00C4, 0x00B9, 0x00B2, 0x00C9, 0x00B3, 0x00D6, 0x00DC, 0x0385, 0x00E0, 0x00E2, 0x00E4, 0x0384,
            0x00A8, 0x00E7, 0x00E9, 0x00E8, 0x00EA, 0x00EB, 0x00A3, 0x2122, 0x00EE, 0x00EF, 0x2022, 0x00BD,
            0x2030, 0x00F4, 0x00F6, 0x00A6, 0x20AC, 0x00F9, 0x00FB, 0x00FC, 0x2020, 0x0393, 0x0394, 0x0398,
            0x039B, 0x039E, 0x03A0, 0x00DF, 0x00AE, 0x00A9, 0x03A3, 0x03AA, 0x00A7, 0x2260, 0x00B0, 0x00B7,
            0x0391, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x0392, 0x0395, 0x0396, 0x0397, 0x0399, 0x039A, 0x039C,
            0x03A6, 0x03AB, 0x03A8, 0x03A9, 0x03AC, 0x039D, 0x00AC, 0x039F, 0x03A1, 0x2248, 0x03A4, 0x00AB,
            0x00BB, 0x2026, 0x00A0, 0x03A5, 0x03A7, 0x0386, 0x0388, 0x0153, 0x2013, 0x2015, 0x201C, 0x201D,
            0x2018, 0x2019, 0x00F7, 0x0389, 0x038A, 0x038C, 0x038E, 0x03AD, 0x03AE, 0x03AF, 0x03CC, 0x038F,
            0x03CD, 0x03B1, 0x03B2, 0x03C8, 0x03B4, 0x03B5, 0x03C6, 0x03B3, 0x03B7, 0x03B9, 0x03BE, 0x03BA,
            0x03BB, 0x03BC, 0x03BD, 0x03BF, 0x03C0, 0x03CE, 0x03C1, 0x03C3, 0x03C4, 0x03B8, 0x03C9, 0x03C2,
            0x03C7, 0x03C5, 0x03B6, 0x03CA, 0x03CB, 0x0390, 0x03B0, 0x00AD,
        ],
        "mac-turkish": [
            0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, 0x00E0, 0x00E2, 0x00E4, 0x00E3,
            0x00E5, 0x00E7, 0x00E9, 0x00E8, 0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3,
            0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, 0x2020, 0x00B0, 0x00A2, 0x00A3,
            0x00A7, 0x2022, 0x00B6, 0x00DF, 0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x00C6, 0x00D8,
            0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, 0x220F, 0x03C0, 0x222B, 0x00AA,
            0x00BA, 0x03A9, 0x00E6, 0x00F8, 0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB,
            0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, 0x2013, 0x2014, 0x201C, 0x201D,
            0x2018, 0x2019, 0x00F7, 0x25CA, 0x00FF, 0x0178, 0x011E, 0x011F, 0x0130, 0x0131, 0x015E, 0x015F,
            0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, 0x00CB, 0x00C8, 0x00CD, 0x00CE,
            0x00CF, 0x00CC, 0x00D3, 0x00D4, 0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0xF8A0, 0x02C6, 0x02DC,
            0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7,
        ],
    ]

    private static func decodeSingleByte(_ bytes: [UInt8], high: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4)
        for b in bytes {
            if b < 0x80 { out.append(b); continue }
            UTF8.encode(Unicode.Scalar(high[Int(b) - 0x80]) ?? "\u{FFFD}") { out.append($0) }
        }
        return out
    }

    private static func decodeUTF8(_ bytes: [UInt8], label: String) -> Decoded {
        if isValidUTF8(bytes) {
            return Decoded(utf8: bytes, encoding: label, problem: nil)
        }
        return Decoded(utf8: windows1252ToUTF8(bytes), encoding: "windows-1252",
                       problem: "invalid \(label) bytes; document re-read as windows-1252")
    }

    /// Validates UTF-8 without building a String.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        // Well-formed UTF-8 (Unicode table 3-7: no overlong forms, surrogates or values past U+10FFFF),
        // eight ASCII bytes at a time.
        do {
            let raw = bytes.span
            let n = raw.count
            var i = 0
            while i < n {
                i = Bytes.asciiEnd(raw, from: i)
                guard i < n else { break }
                let b = raw[i]
                let trailing: Int
                var low: UInt8 = 0x80, high: UInt8 = 0xBF
                switch b {
                case 0xC2...0xDF: trailing = 1
                case 0xE0: trailing = 2; low = 0xA0
                case 0xED: trailing = 2; high = 0x9F
                case 0xE1...0xEF: trailing = 2
                case 0xF0: trailing = 3; low = 0x90
                case 0xF4: trailing = 3; high = 0x8F
                case 0xF1...0xF3: trailing = 3
                default: return false
                }
                guard i + trailing < n, raw[i + 1] >= low, raw[i + 1] <= high else { return false }
                for k in 2...max(2, trailing) where k <= trailing {
                    guard raw[i + k] & 0xC0 == 0x80 else { return false }
                }
                i += trailing + 1
            }
            return true
        }
    }

    /// The `encoding="…"` of an XML declaration, read in the byte family detected so far.
    static func declaredEncoding(_ bytes: [UInt8], family: String?) -> String? {
        var head: [UInt8]
        let prefix = Array(bytes.prefix(1024))
        switch family {
        case "utf-16be"?: head = stride(from: 1, to: prefix.count, by: 2).map { prefix[$0] }
        case "utf-16le"?: head = stride(from: 0, to: prefix.count, by: 2).map { prefix[$0] }
        case "utf-32be"?: head = stride(from: 3, to: prefix.count, by: 4).map { prefix[$0] }
        case "utf-32le"?: head = stride(from: 0, to: prefix.count, by: 4).map { prefix[$0] }
        case "cp037"?:
            guard let t = LibXML.transcodeToUTF8(Array(prefix.prefix(200)), from: "cp037") else { return nil }
            head = t.bytes
        default: head = prefix
        }
        guard head.starts(with: Array("<?xml".utf8)), let end = head.firstIndex(of: UInt8(ascii: ">")) else { return nil }
        let decl = String(decoding: head[..<end], as: UTF8.self)
        guard let r = decl.range(of: "encoding") else { return nil }
        var rest = decl[r.upperBound...].drop(while: { $0 == " " || $0 == "=" || $0 == "\t" })
        guard let q = rest.first, q == "\"" || q == "'" else { return nil }
        rest = rest.dropFirst()
        guard let close = rest.firstIndex(of: q) else { return nil }
        let name = String(rest[..<close]).trimmingSpaces()
        return name.isEmpty ? nil : name.lowercased()
    }

    /// `charset=` of a Content-Type header value.
    static func charset(ofContentType ct: String) -> String? {
        for part in ct.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else { continue }
            let v = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'")).lowercased()
            return v.isEmpty ? nil : v
        }
        return nil
    }

    private static func canonical(_ name: String) -> String {
        switch name.lowercased() {
        case "utf8", "utf-8", "unicode-1-1-utf-8": return "utf-8"
        case "ascii", "us-ascii", "ansi_x3.4-1968": return "us-ascii"
        case "utf16", "utf-16", "ucs-2", "iso-10646-ucs-2": return "utf-16"
        case "utf-16be", "utf-16le", "utf-32be", "utf-32le": return name.lowercased()
        case "utf32", "utf-32", "ucs-4": return "utf-32"
        case "cp1252", "windows-1252", "x-cp1252": return "windows-1252"
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1", "iso_8859-1": return "iso-8859-1"
        // Python's names for Mac charsets that glibc's iconv knows under other names.
        case "maciceland", "mac-iceland": return "mac-is"
        case "macgreek", "mac_greek", "mac-greek": return "mac-greek"
        case "macturkish", "mac_turkish", "mac-turkish": return "mac-turkish"
        // The reference reads gb2312 as its superset gb18030.
        case "gb2312", "gb_2312", "gb_2312-80", "euc-cn", "euccn": return "gb18030"
        case "maclatin2", "mac-latin2", "maccentraleurope": return "mac-centraleurope"
        default:
            let n = name.lowercased()
            if !n.isEmpty, n.allSatisfy(\.isASCIIDigit) { return "cp" + n }
            return n
        }
    }

    private static let cp1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD,
        0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    /// The windows-1252 byte of a character from its 0x80–0x9F range (€, ’, …), if it is one.
    static func cp1252Byte(for scalar: UInt32) -> UInt8? {
        guard let i = cp1252High.firstIndex(of: scalar), scalar != 0xFFFD else { return nil }
        return UInt8(0x80 + i)
    }

    static func cp1252Scalar(_ b: UInt8) -> UInt32 {
        (0x80...0x9F).contains(b) ? cp1252High[Int(b) - 0x80] : UInt32(b)
    }

    static func windows1252ToUTF8(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            if b < 0x80 { out.append(b); continue }
            let v: UInt32 = b <= 0x9F ? cp1252High[Int(b) - 0x80] : UInt32(b)
            UTF8.encode(Unicode.Scalar(v)!) { out.append($0) }
        }
        return out
    }
}
