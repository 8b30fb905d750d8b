import Foundation

/// Repairs the entity references feeds get wrong before libxml2 sees the document: HTML named entities
/// used without a DTD (`&eacute;`) become numeric references, a bare `&` (`?a=1&b=2`) becomes `&amp;`.
/// CDATA sections, comments and the DOCTYPE are copied untouched; entities the internal subset declares
/// are left for libxml2. A repaired document is reported as not well-formed (bozo).
enum EntityRepair {
    struct Result {
        var bytes: [UInt8]
        /// The first repair made, for `bozoReason`.
        var firstRepair: String?
    }

    private static let xmlPredefined: Set<String> = ["amp", "lt", "gt", "quot", "apos"]

    static func repair(_ bytes: [UInt8]) -> Result {
        guard bytes.contains(UInt8(ascii: "&")) else { return Result(bytes: bytes, firstRepair: nil) }
        if needsNoRepair(bytes) { return Result(bytes: bytes, firstRepair: nil) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var declared: Set<String> = []
        var first: String?
        let n = bytes.count
        var i = 0
        // Byte comparisons in place: two arrays allocated per `<` cost an eighth of the whole parse.
        func starts(_ s: String, at k: Int) -> Bool {
            guard k + s.utf8.count <= n else { return false }
            var t = k
            for c in s.utf8 {
                if bytes[t] != c { return false }
                t += 1
            }
            return true
        }
        func copyThrough(_ terminator: String, from k: Int) -> Int {
            let count = terminator.utf8.count
            let first = terminator.utf8.first!
            var j = k
            while j + count <= n {
                if starts(terminator, at: j) { j += count; out.append(contentsOf: bytes[k..<j]); return j }
                j = next(first, in: bytes, from: j + 1)
            }
            out.append(contentsOf: bytes[k..<n])
            return n
        }
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "<") {
                if starts("<![CDATA[", at: i) { i = copyThrough("]]>", from: i); continue }
                if starts("<!--", at: i) { i = copyThrough("-->", from: i); continue }
                if starts("<!DOCTYPE", at: i) {
                    // Copy to the end of the DOCTYPE (internal subset included), collecting declared entity names.
                    var j = i
                    var inSubset = false
                    while j < n {
                        if bytes[j] == UInt8(ascii: "[") { inSubset = true }
                        if bytes[j] == UInt8(ascii: "]") { inSubset = false }
                        if bytes[j] == UInt8(ascii: ">") && !inSubset { j += 1; break }
                        j += 1
                    }
                    let doctype = String(decoding: bytes[i..<j], as: UTF8.self)
                    for part in doctype.components(separatedBy: "<!ENTITY").dropFirst() {
                        let words = part.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                        if let w = words.first, w != "%" { declared.insert(String(w)) }
                    }
                    out.append(contentsOf: bytes[i..<j])
                    i = j
                    continue
                }
                out.append(b); i += 1; continue
            }
            guard b == UInt8(ascii: "&") else {
                // Copy up to the next '<' or '&' in one go.
                let j = nextMarkup(bytes, from: i + 1)
                out.append(contentsOf: bytes[i..<j])
                i = j
                continue
            }
            // Scan a reference.
            var j = i + 1
            var valid = false
            var name = ""
            if j < n, bytes[j] == UInt8(ascii: "#") {
                j += 1
                let hex = j < n && (bytes[j] == UInt8(ascii: "x") || bytes[j] == UInt8(ascii: "X"))
                if hex { j += 1 }
                let start = j
                while j < n, isHexOrDigit(bytes[j], hex: hex) { j += 1 }
                valid = j > start && j < n && bytes[j] == UInt8(ascii: ";")
                if valid {
                    // C1 references (&#150;) stay: the mojibake rule reads them as Latin-1 before they become
                    // windows-1252 characters, as in the reference.
                    j += 1
                    if hex, bytes[i + 2] == UInt8(ascii: "X") {
                        // XML allows only a lower-case x.
                        out.append(contentsOf: Array("&#x".utf8)); out.append(contentsOf: bytes[(i + 3)..<j]); i = j
                        if first == nil { first = "upper-case X in a character reference" }
                        continue
                    }
                    out.append(contentsOf: bytes[i..<j]); i = j; continue
                }
            } else {
                let start = j
                while j < n, j - start < 64, isNameByte(bytes[j]) { j += 1 }
                if j > start, j < n, bytes[j] == UInt8(ascii: ";") {
                    name = String(decoding: bytes[start..<j], as: UTF8.self)
                    if xmlPredefined.contains(name) || declared.contains(name) {
                        j += 1
                        out.append(contentsOf: bytes[i..<j]); i = j; continue
                    }
                    if let scalar = LibXML.htmlEntity(named: name) {
                        out.append(contentsOf: Array("&#\(scalar.value);".utf8))
                        if first == nil { first = "undefined entity &\(name); (read as HTML)" }
                        i = j + 1
                        continue
                    }
                }
            }
            out.append(contentsOf: Array("&amp;".utf8))
            if first == nil { first = name.isEmpty ? "unescaped '&'" : "undefined entity &\(name);" }
            i += 1
        }
        return Result(bytes: out, firstRepair: first)
    }

    /// True when every `&` starts a reference the repair copies unchanged wherever it stands: a predefined
    /// entity or a character reference with a lower-case x. Then the
    /// document comes out as it went in, and neither CDATA, comments nor a DOCTYPE need to be found.
    private static func needsNoRepair(_ bytes: [UInt8]) -> Bool {
        do {
            let u = bytes.span
            let n = u.count
            var i = 0
            while i < n {
                guard let amp = Bytes.firstIndex(of: UInt8(ascii: "&"), in: u, from: i) else { return true }
                i = amp
                var j = i + 1
                guard j < n else { return false }
                if u[j] == UInt8(ascii: "#") {
                    j += 1
                    let hex = j < n && u[j] == UInt8(ascii: "x")
                    if hex { j += 1 }
                    let start = j
                    var value: UInt64 = 0
                    while j < n, isHexOrDigit(u[j], hex: hex) {
                        let d = u[j]
                        let digit = d <= 57 ? UInt64(d - 48) : UInt64((d | 0x20) - 87)
                        value = min(value * (hex ? 16 : 10) + digit, 1 << 40)
                        j += 1
                    }
                    guard j > start, j < n, u[j] == UInt8(ascii: ";") else { return false }
                } else {
                    let start = j
                    while j < n, j - start < 5, u[j] >= 97, u[j] <= 122 { j += 1 }
                    guard j < n, u[j] == UInt8(ascii: ";") else { return false }
                    let predefined: Bool
                    switch j - start {
                    case 2: predefined = (u[start] == 0x6C || u[start] == 0x67) && u[start + 1] == 0x74  // lt, gt
                    case 3: predefined = u[start] == 0x61 && u[start + 1] == 0x6D && u[start + 2] == 0x70  // amp
                    case 4:
                        predefined = (u[start] == 0x71 && u[start + 1] == 0x75 && u[start + 2] == 0x6F && u[start + 3] == 0x74)  // quot
                            || (u[start] == 0x61 && u[start + 1] == 0x70 && u[start + 2] == 0x6F && u[start + 3] == 0x73)  // apos
                    default: predefined = false
                    }
                    guard predefined else { return false }
                }
                i = j + 1
            }
            return true
        }
    }

    /// The index of the next `b` at or after `k` (memchr), or `bytes.count`.
    private static func next(_ b: UInt8, in bytes: [UInt8], from k: Int) -> Int {
        Bytes.firstIndex(of: b, in: bytes.span, from: k) ?? bytes.count
    }

    /// The index of the next '<' or '&' at or after `k`, or `bytes.count`; eight bytes at a time.
    private static func nextMarkup(_ bytes: [UInt8], from k: Int) -> Int {
        do {
            let u = bytes.span
            let n = u.count
            var j = k
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while j + 8 <= n {
                let x = Bytes.word(u, at: j)
                let lt = x ^ 0x3C3C_3C3C_3C3C_3C3C, amp = x ^ 0x2626_2626_2626_2626
                if (lt &- ones) & ~lt & highs != 0 || (amp &- ones) & ~amp & highs != 0 { break }
                j += 8
            }
            while j < n, u[j] != UInt8(ascii: "<"), u[j] != UInt8(ascii: "&") { j += 1 }
            return j
        }
    }

    private static func isHexOrDigit(_ c: UInt8, hex: Bool) -> Bool {
        (c >= 48 && c <= 57) || (hex && ((c >= 65 && c <= 70) || (c >= 97 && c <= 102)))
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46 || c >= 0x80
    }
}
