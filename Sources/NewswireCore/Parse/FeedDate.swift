import Foundation

/// Hand-written date parsing for feeds: RFC 822/1123 and its real-world deviations (two-digit years,
/// no seconds, no day name, named and military zones, odd case and spacing) and ISO 8601 / RFC 3339 /
/// W3CDTF variants. No formatter objects. Impossible dates give nil.
public enum FeedDate {
    public static func parse(_ input: String) -> Date? {
        let s = input.trimmingSpaces()
        guard !s.isEmpty, s.utf8.count < 100 else { return nil }
        let u = Array(s.utf8)
        if u.count >= 4, u[0...3].allSatisfy(isDigit) { return iso8601(u) ?? rfc822(s) }
        if let d = canonicalRFC822(u) { return d }
        return rfc822(s)
    }

    // MARK: RFC 822 / 1123 as most feeds write it

    private static let dayNames: [[UInt8]] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map { Array($0.utf8) }
    private static let monthNames: [[UInt8]] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                                "Nov", "Dec"].map { Array($0.utf8) }

    /// "Mon, 02 Jan 2006 15:04:05 +0700" (day name optional, one- or two-digit day; zone ±hhmm, GMT, UTC, UT
    /// or Z) read byte by byte, with the same result as `rfc822`; nil for any other shape, which `rfc822` reads.
    static func canonicalRFC822(_ u: [UInt8]) -> Date? {
        var i = 0
        func digits(_ n: Int) -> Int? { readDigits(u, at: &i, count: n) }
        func word(_ names: [[UInt8]]) -> Int? {
            guard i + 3 <= u.count else { return nil }
            for (n, name) in names.enumerated() where u[i] == name[0] && u[i + 1] == name[1] && u[i + 2] == name[2] {
                i += 3
                return n
            }
            return nil
        }
        func skip(_ c: UInt8) -> Bool {
            guard i < u.count, u[i] == c else { return false }
            i += 1
            return true
        }
        if word(dayNames) != nil {
            guard skip(UInt8(ascii: ",")), skip(UInt8(ascii: " ")) else { return nil }
        }
        guard i < u.count, isDigit(u[i]) else { return nil }
        guard let day = i + 1 < u.count && isDigit(u[i + 1]) ? digits(2) : digits(1), (1...31).contains(day),
              skip(UInt8(ascii: " ")), let month = word(monthNames), skip(UInt8(ascii: " ")),
              let year = digits(4), year >= 100, skip(UInt8(ascii: " ")),  // rfc822 reads "0099" as 1999
              let hour = digits(2), skip(UInt8(ascii: ":")), let minute = digits(2), skip(UInt8(ascii: ":")),
              let second = digits(2), skip(UInt8(ascii: " ")), i < u.count
        else { return nil }
        var offset = 0
        let zone = u[i...]
        if zone.elementsEqual("GMT".utf8) || zone.elementsEqual("UTC".utf8) || zone.elementsEqual("UT".utf8)
            || zone.elementsEqual("Z".utf8) {
            offset = 0
        } else if zone.count == 5, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let h = digits(2), let m = digits(2), h <= 23, m <= 59 else { return nil }
            offset = sign * (h * 3600 + m * 60)
        } else {
            return nil
        }
        guard let base = ISOTime.fromFields(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return base.addingTimeInterval(TimeInterval(-offset))
    }

    // MARK: ISO 8601 / W3CDTF

    static func iso8601(_ u: [UInt8]) -> Date? {
        var i = 0
        func digits(_ n: Int) -> Int? { readDigits(u, at: &i, count: n) }
        func peek(_ c: Character) -> Bool { i < u.count && u[i] == c.asciiValue! }
        guard let year = digits(4) else { return nil }
        var month = 1, day = 1
        if peek("-") {
            i += 1
            guard let m = digits(2) else { return nil }
            month = m
            if peek("-") {
                i += 1
                guard let d = digits(2) else { return nil }
                day = d
            }
        } else if i + 4 <= u.count, u[i..<(i + 4)].allSatisfy(isDigit) {
            guard let m = digits(2), let d = digits(2) else { return nil }
            month = m; day = d
        }
        var hour = 0, minute = 0, second = 0, offset = 0
        if i < u.count, u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: "t") || u[i] == UInt8(ascii: " ") {
            i += 1
            while peek(" ") { i += 1 }
            guard let h = digits(2) else { return nil }
            hour = h
            if peek(":") { i += 1 }
            guard let mi = digits(2) else { return nil }
            minute = mi
            if peek(":") { i += 1 }
            if i < u.count, isDigit(u[i]) {
                guard let se = digits(2) else { return nil }
                second = se
                if peek(".") || peek(",") {
                    i += 1
                    while i < u.count, isDigit(u[i]) { i += 1 }
                }
            }
            while peek(" ") { i += 1 }
            if i < u.count {
                if let off = numericZone(u[i...]) {
                    offset = off
                } else {
                    let rest = String(decoding: u[i...], as: UTF8.self)
                    guard let off = zoneOffset(rest) else { return nil }
                    offset = off
                }
                i = u.count
            }
        }
        guard i == u.count else { return nil }
        guard hour < 24 || (hour == 24 && minute == 0 && second == 0) else { return nil }
        let h24 = hour == 24
        guard let base = ISOTime.fromFields(year: year, month: month, day: day, hour: h24 ? 0 : hour, minute: minute, second: second)
        else { return nil }
        return base.addingTimeInterval(TimeInterval((h24 ? 86_400 : 0) - offset))
    }

    // MARK: RFC 822 / 1123 and deviations

    private static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
        "nov": 11, "dec": 12,
    ]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "adt": -3, "ast": -4, "at": -4, "edt": -4, "est": -5, "et": -5,
        "cdt": -5, "cst": -6, "ct": -6, "mdt": -6, "mst": -7, "mt": -7, "pdt": -7, "pst": -8, "pt": -8,
        "a": -1, "n": 1, "m": -12, "y": 12, "bst": 1, "cet": 1, "cest": 2, "met": 1, "mest": 2, "eet": 2, "eest": 3,
        "jst": 9, "hst": -10, "akst": -9, "akdt": -8, "ist": 0,
    ]

    static func rfc822(_ s: String) -> Date? {
        var tokens: [String] = []
        var cur = ""
        for ch in s.lowercased() {
            if ch == " " || ch == "," || ch == "\t" || ch == "\n" || ch == "\r" {
                if !cur.isEmpty { tokens.append(cur); cur = "" }
            } else {
                cur.append(ch)
            }
        }
        if !cur.isEmpty { tokens.append(cur) }
        // "31-Dec-2003" and "2003/12/31" style date parts.
        var expanded: [String] = []
        for t in tokens {
            if t.utf8.contains(UInt8(ascii: ":")) || t.hasPrefix("+") || (t.hasPrefix("-") && t.count > 1) {
                expanded.append(t)
            } else if t.utf8.contains(UInt8(ascii: "-")) || t.utf8.contains(UInt8(ascii: "/")) {
                expanded.append(contentsOf: t.split(whereSeparator: { $0 == "-" || $0 == "/" }).map(String.init))
            } else {
                expanded.append(t)
            }
        }
        var day: Int?, month: Int?, year: Int?, hour = 0, minute = 0, second = 0, offset: Int?
        var numbers: [String] = []
        for t in expanded {
            if let m = months[String(t.prefix(3))], t.first!.isLetter, t.count >= 3 {
                if month == nil { month = m; continue }
            }
            if t.count > 1, t.first == "+" || t.first == "-", offset == nil, let z = zoneOffset(t) {
                offset = z
                continue
            }
            if t.utf8.contains(UInt8(ascii: ":")) {
                // time, maybe with a glued zone ("10:00:00gmt", "10:00:00+0100")
                var timePart = t
                var zonePart: String?
                if let idx = t.firstIndex(where: { $0.isLetter || $0 == "+" || $0 == "-" }) {
                    timePart = String(t[..<idx]); zonePart = String(t[idx...])
                }
                let parts = timePart.split(separator: ":").map { Int($0) }
                guard parts.count >= 2, parts.count <= 3, parts.allSatisfy({ $0 != nil }) else { return nil }
                hour = parts[0]!; minute = parts[1]!; second = parts.count == 3 ? parts[2]! : 0
                if let zonePart, let z = zoneOffset(zonePart) { offset = z }
                continue
            }
            if t.allSatisfy(\.isASCIIDigit) { numbers.append(t); continue }
            if offset == nil, let z = zoneOffset(t) { offset = z; continue }
            // day names and noise ("mon", "at") are ignored
        }
        for n in numbers {
            guard let v = Int(n) else { return nil }
            if n.count >= 3 || (day != nil && year == nil) || v > 31 {
                if year == nil { year = v } else if day == nil { day = v }
            } else if day == nil {
                day = v
            } else if year == nil {
                year = v
            }
        }
        guard var y = year, let mo = month, let d = day else { return nil }
        if y < 100 { y += y < 50 ? 2000 : 1900 }
        guard let base = ISOTime.fromFields(year: y, month: mo, day: d, hour: hour, minute: minute, second: second)
        else { return nil }
        return base.addingTimeInterval(TimeInterval(-(offset ?? 0)))
    }

    /// "Z", "±hh:mm" or "±hhmm" (hh ≤ 23, mm ≤ 59) read byte by byte, as `zoneOffset` reads them; nil for
    /// anything else, which `zoneOffset` reads.
    static func numericZone(_ z: ArraySlice<UInt8>) -> Int? {
        let b = Array(z)
        if b.count == 1, b[0] == UInt8(ascii: "Z") || b[0] == UInt8(ascii: "z") { return 0 }
        guard b.count == 5 || b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-") else { return nil }
        let m0 = b.count == 6 ? 4 : 3
        if b.count == 6, b[3] != UInt8(ascii: ":") { return nil }
        guard isDigit(b[1]), isDigit(b[2]), isDigit(b[m0]), isDigit(b[m0 + 1]) else { return nil }
        let h = Int(b[1] - 48) * 10 + Int(b[2] - 48), m = Int(b[m0] - 48) * 10 + Int(b[m0 + 1] - 48)
        guard h <= 23, m <= 59 else { return nil }
        return (b[0] == UInt8(ascii: "-") ? -1 : 1) * (h * 3600 + m * 60)
    }

    /// A zone designator to seconds east of UTC: "Z", "UTC", "GMT+2", "+05:30", "-0800", "EST", military letters.
    static func zoneOffset(_ raw: String) -> Int? {
        var z = raw.lowercased().trimmingSpaces()
        if z.isEmpty { return nil }
        if let named = zones[z] { return named * 3600 }
        for p in ["gmt", "utc", "ut"] where z.hasPrefix(p) && z.count > p.count {
            z = String(z.dropFirst(p.count)); break
        }
        guard let sign = z.first, sign == "+" || sign == "-" else {
            if z.count == 1, let c = z.first, c.isLetter { return 0 }  // other military letters: RFC 1123 says treat as UTC
            return nil
        }
        let digits = z.dropFirst().filter { $0 != ":" }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        let h: Int, m: Int
        if digits.count <= 2 { h = Int(digits)!; m = 0 } else {
            h = Int(digits.prefix(digits.count - 2))!; m = Int(digits.suffix(2))!
        }
        guard h <= 23, m <= 59 else { return nil }
        return (sign == "-" ? -1 : 1) * (h * 3600 + m * 60)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    /// The value of the `count` ASCII digits at `i` (moving `i` past them), or nil if they are not all there.
    private static func readDigits(_ u: [UInt8], at i: inout Int, count n: Int) -> Int? {
        guard i + n <= u.count else { return nil }
        var v = 0
        for k in i..<(i + n) {
            guard isDigit(u[k]) else { return nil }
            v = v * 10 + Int(u[k] - 48)
        }
        i += n
        return v
    }
}

extension Character {
    /// 0–9 only (`isNumber` also accepts "½" and other scripts' digits, which `Int()` rejects).
    var isASCIIDigit: Bool { isASCII && isNumber }
}
