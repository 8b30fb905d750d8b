import Foundation

/// Date parsing for feeds, as the reference parser (feedparser 6.0.14) reads dates, by hand, no formatter
/// objects: its handlers are tried in its order (W3C-DTF, RFC 822, ISO 8601, asctime, Perforce, Hungarian,
/// Greek, Korean), with their quirks (W3C-DTF's "+0530" read as +05:00, ISO 8601 fields past their range
/// carried over as C `mktime` does, two-digit ISO years in the current century, unknown zone names as UTC).
/// Where none of them reads a string, a lenient reader of RFC 822 deviations and ISO 8601 variants gets a last
/// try: the reference leaves such a date out, and a plausible reading is better than none.
public enum FeedDate {
    public static func parse(_ input: String) -> Date? {
        parse(input, now: Date())
    }

    /// `now` supplies what the reference takes from the clock: the current century of two-digit ISO years and
    /// the month or day an ISO date leaves out.
    static func parse(_ input: String, now: Date) -> Date? {
        guard input.utf8.count < 100 else { return nil }
        let u = Array(input.utf8)
        if let d = canonicalRFC822(u) ?? canonicalW3CDTF(u) { return d }
        if let d = ReferenceDate.parse(input, now: now) { return d }
        return lenient(input)
    }

    static func lenient(_ input: String) -> Date? {
        let s = input.trimmingSpaces()
        guard !s.isEmpty, s.utf8.count < 100 else { return nil }
        let u = Array(s.utf8)
        if u.count >= 4, u[0...3].allSatisfy(isDigit) { return iso8601(u) ?? rfc822(s) }
        return rfc822(s)
    }

    // MARK: RFC 822 / 1123 as most feeds write it

    private static let dayNames: [[UInt8]] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map { Array($0.utf8) }
    private static let monthNames: [[UInt8]] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                                "Nov", "Dec"].map { Array($0.utf8) }

    /// "Mon, 02 Jan 2006 15:04:05 +0700" (day name optional, one- or two-digit day; zone ±hhmm, GMT, UTC, UT
    /// or Z) read byte by byte, with the reference's result (its W3C-DTF handler never reads this shape, its
    /// RFC 822 handler reads it so); nil for any other shape.
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
              let second = digits(2), second <= 59, skip(UInt8(ascii: " ")), i < u.count
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

    /// "2006-01-02T15:04:05Z", "2006-01-02T15:04:05.123+07:00" (seconds and fraction optional, `T`/`t`, `Z`/`z`
    /// or ±hh:mm) read byte by byte, with the reference's result (its W3C-DTF handler reads this shape); nil for
    /// any other shape.
    static func canonicalW3CDTF(_ u: [UInt8]) -> Date? {
        var i = 0
        func digits(_ n: Int) -> Int? { readDigits(u, at: &i, count: n) }
        func skip(_ c: UInt8) -> Bool {
            guard i < u.count, u[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), year >= 1, skip(UInt8(ascii: "-")), let month = digits(2), skip(UInt8(ascii: "-")),
              let day = digits(2), skip(UInt8(ascii: "T")) || skip(UInt8(ascii: "t")),
              let hour = digits(2), skip(UInt8(ascii: ":")), let minute = digits(2) else { return nil }
        var second = 0
        if skip(UInt8(ascii: ":")) {
            guard let s = digits(2) else { return nil }
            second = s
            if skip(UInt8(ascii: ".")) {
                let start = i
                while i < u.count, isDigit(u[i]) { i += 1 }
                guard i > start else { return nil }
            }
        }
        var offset = 0
        if skip(UInt8(ascii: "Z")) || skip(UInt8(ascii: "z")) {
            offset = 0
        } else if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let h = digits(2), skip(UInt8(ascii: ":")), let m = digits(2) else { return nil }
            offset = sign * (h * 3600 + m * 60)
        } else {
            return nil
        }
        guard i == u.count, hour <= 23, minute <= 59, second <= 59,
              let base = ISOTime.fromFields(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        let t = base.timeIntervalSince1970 - TimeInterval(offset)
        guard t >= -62_135_596_800, t <= 253_402_300_799 else { return nil }
        return Date(timeIntervalSince1970: t)
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

// MARK: - The reference's date handlers

/// feedparser 6.0.14's date handlers (`feedparser/datetimes/*.py`), ported with Python's string semantics:
/// code points, `str.split()`, `int()` (any Unicode decimal digits, `_` between digits) and `int(float())`.
/// Each handler returns nil where the Python one returns None or raises an error `_parse_date` catches.
enum ReferenceDate {
    static func parse(_ input: String, now: Date) -> Date? {
        let s = Array(input.unicodeScalars)
        guard !s.isEmpty else { return nil }
        return w3dtf(s) ?? rfc822(s) ?? iso8601(s, now: now) ?? asctime(s) ?? perforce(s) ?? hungarian(s)
            ?? greek(s) ?? nate(s) ?? onblog(s)
    }

    typealias Text = [Unicode.Scalar]

    // MARK: W3C-DTF (w3dtf.py)

    private static let w3dtfZones: [String: Int] = [
        "ut": 0, "gmt": 0, "z": 0, "adt": -3, "ast": -4, "at": -4, "edt": -4, "est": -5, "et": -5, "cdt": -5,
        "cst": -6, "ct": -6, "mdt": -6, "mst": -7, "mt": -7, "pdt": -7, "pst": -8, "pt": -8, "a": -1, "n": 1,
        "m": -12, "y": 12,
    ]

    static func w3dtf(_ input: Text) -> Date? {
        guard !strip(input).isEmpty else { return nil }
        var parts = split(lower(input), on: "t")
        if parts.count == 1 {
            parts = splitWhitespace(parts[0])
            if parts.count == 1 { parts.append(Array("00:00:00z".unicodeScalars)) }
        } else if parts.count > 2 {
            return nil
        }
        guard parts.count >= 2 else { return nil }
        var date = split(parts[0], on: "-", maxSplits: 2)
        guard !date.isEmpty, date[0].count == 4 else { return nil }
        while date.count < 3 { date.append(["1"]) }
        guard let year = int(date[0]), let month = int(date[1]), let day = int(date[2]) else { return nil }
        if parts[1].last == "z" {
            parts[1].removeLast()
            parts.append(["z"])
        }
        let p1 = parts[1]
        let loc = p1.firstIndex(of: "-") ?? p1.firstIndex(of: "+") ?? p1.count
        parts.append(Array(p1[loc...]))
        parts[1] = Array(p1[..<loc])
        var time = split(parts[1], on: ":", maxSplits: 2)
        while time.count < 3 { time.append(["0"]) }
        let zone = parts[2]
        var tzHour = 0, tzMinute = 0
        if let first = zone.first, first == "-" || first == "+" {
            guard let h = int(slice(zone, 1, 3)), let m = int(slice(zone, 4, zone.count)) else { return nil }
            tzHour = first == "-" ? -h : h
            tzMinute = first == "-" ? -m : m
        } else {
            tzHour = w3dtfZones[String(String.UnicodeScalarView(zone))] ?? 0
        }
        guard let hour = intOfFloat(time[0]), let minute = intOfFloat(time[1]), let second = intOfFloat(time[2])
        else { return nil }
        return datetime(year, month, day, hour, minute, second, offsetMinutes: tzHour * 60 + tzMinute)
    }

    // MARK: RFC 822 (rfc822.py)

    private static let rfc822Zones: [String: Int] = [
        "ut": 0, "gmt": 0, "z": 0, "adt": -3, "ast": -4, "at": -4, "edt": -4, "est": -5, "et": -5, "cdt": -5,
        "cst": -6, "ct": -6, "mdt": -6, "mst": -7, "mt": -7, "pdt": -7, "pst": -8, "pt": -8, "a": -1, "n": 1,
        "m": -12, "y": 12, "met": 1, "mest": 2,
    ]
    private static let dayNames: Set<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
        "nov": 11, "dec": 12,
    ]

    static func rfc822(_ input: Text) -> Date? {
        var parts = splitWhitespace(lower(input))
        if parts.count < 5 { parts.append(Array("00:00:00".unicodeScalars)); parts.append(Array("0000".unicodeScalars)) }
        if let first = parts.first, dayNames.contains(string(slice(first, 0, 3))) { parts.removeFirst() }
        guard parts.count >= 5 else { return nil }
        var month = months[string(slice(parts[1], 0, 3))]
        let day: Int
        if let d = int(parts[0]) {
            day = d
        } else if let swapped = months[string(slice(parts[0], 0, 3))] {
            guard let d = int(parts[1]) else { return nil }
            day = d
            month = swapped
        } else {
            return nil
        }
        guard let month else { return nil }
        guard var year = int(parts[2]) else { return nil }
        if parts[2].count <= 2 { year += year < 90 ? 2000 : 1900 }
        var timeParts = split(parts[3], on: ":")
        while timeParts.count < 3 { timeParts.append(["0"]) }
        guard timeParts.count == 3, let hour = int(timeParts[0]), let minute = int(timeParts[1]),
              let second = int(timeParts[2]) else { return nil }
        var zone = parts[4]
        if zone.starts(with: Array("etc/".unicodeScalars)) { zone = Array(zone.dropFirst(4)) }
        if zone.starts(with: Array("gmt".unicodeScalars)) {
            let joined = split(Array(zone.dropFirst(3)), on: ":").flatMap { $0 }
            zone = joined.isEmpty ? Array("gmt".unicodeScalars) : joined
        }
        var tzHour = 0, tzMinute = 0
        if let first = zone.first, first == "-" || first == "+" {
            let minutes = zone.contains(":") ? slice(zone, 4, zone.count) : slice(zone, 3, zone.count)
            guard let h = int(slice(zone, 1, 3)), let m = int(minutes) else { return nil }
            tzHour = first == "-" ? -h : h
            tzMinute = first == "-" ? -m : m
        } else {
            tzHour = rfc822Zones[string(zone)] ?? 0
        }
        return datetime(year, month, day, hour, minute, second, offsetMinutes: tzHour * 60 + tzMinute)
    }

    // MARK: asctime (asctime.py)

    static func asctime(_ input: Text) -> Date? {
        var parts = splitWhitespace(input)
        if parts.count == 5 { parts.insert(Array("+0000".unicodeScalars), at: 4) }
        guard parts.count == 6 else { return nil }
        let reordered = [parts[0], parts[2], parts[1], parts[5], parts[3], parts[4]]
        return rfc822(Array(reordered.map { $0 }.joined(separator: [" "])))
    }

    // MARK: ISO 8601 (iso8601.py)

    /// One of the reference's ISO 8601 templates: which date fields it reads, in order, and the literal
    /// hyphens between them (`true` in `optionalHyphen` after a field: an optional "-").
    private enum Field { case year4, year2, month, day, ordinal, century }
    private enum Piece { case field(Field), literal(Unicode.Scalar), optionalHyphen, optionalMonth }

    private static let templates: [[Piece]] = [
        [.field(.year4), .optionalHyphen, .field(.month), .optionalHyphen, .field(.day)],        // YYYY-?MM-?DD
        [.field(.year4), .literal("-"), .literal("0"), .optionalMonth, .optionalHyphen, .field(.day)],  // YYYY-0MM?-?DD
        [.field(.year4), .literal("-"), .field(.month)],                                          // YYYY-MM
        [.field(.year4), .optionalHyphen, .field(.ordinal)],                                      // YYYY-?OOO
        [.field(.year2), .optionalHyphen, .field(.month), .optionalHyphen, .field(.day)],        // YY-?MM-?DD
        [.field(.year2), .optionalHyphen, .field(.ordinal)],                                      // YY-?OOO
        [.field(.year4)],                                                                         // YYYY
        [.literal("-"), .field(.year2), .optionalHyphen, .field(.month)],                         // -YY-?MM
        [.literal("-"), .field(.ordinal)],                                                        // -OOO
        [.literal("-"), .field(.year2)],                                                          // -YY
        [.literal("-"), .literal("-"), .field(.month), .optionalHyphen, .field(.day)],            // --MM-?DD
        [.literal("-"), .literal("-"), .field(.month)],                                           // --MM
        [.literal("-"), .literal("-"), .literal("-"), .field(.day)],                              // ---DD
        [.field(.century)],                                                                       // CC
        [],
    ]

    private struct ISOMatch {
        var fields: [Field: Text] = [:]
        var end = 0
    }

    /// Matches `pieces` at `i` the way Python's `re.match` does (greedy, backtracking over the optional month).
    private static func match(_ pieces: ArraySlice<Piece>, _ s: Text, _ i: Int, _ m: ISOMatch) -> ISOMatch? {
        guard let piece = pieces.first else {
            var done = m
            done.end = i
            return done
        }
        let rest = pieces.dropFirst()
        func digitsAt(_ k: Int) -> Bool { k < s.count && isDecimal(s[k]) }
        func inSet(_ k: Int, _ set: String) -> Bool { k < s.count && set.unicodeScalars.contains(s[k]) }
        switch piece {
        case .literal(let c):
            guard i < s.count, s[i] == c else { return nil }
            return match(rest, s, i + 1, m)
        case .optionalHyphen:
            if i < s.count, s[i] == "-", let r = match(rest, s, i + 1, m) { return r }
            return match(rest, s, i, m)
        case .optionalMonth:
            if inSet(i, "01"), digitsAt(i + 1) {
                var with = m
                with.fields[.month] = Array(s[i..<(i + 2)])
                if let r = match(rest, s, i + 2, with) { return r }
            }
            return match(rest, s, i, m)
        case .field(let f):
            let width: Int
            var ok: Bool
            switch f {
            case .year4: width = 4; ok = (0..<4).allSatisfy { digitsAt(i + $0) }
            case .year2: width = 2; ok = digitsAt(i) && digitsAt(i + 1)
            case .month: width = 2; ok = inSet(i, "01") && digitsAt(i + 1)
            case .day: width = 2; ok = inSet(i, "0123") && digitsAt(i + 1)
            case .ordinal: width = 3; ok = inSet(i, "0123") && digitsAt(i + 1) && digitsAt(i + 2)
            case .century:
                width = 2
                // `\d\d$`: two digits at the end of the string (or before a final newline).
                ok = digitsAt(i) && digitsAt(i + 1) && (i + 2 == s.count || (i + 3 == s.count && s[i + 2] == "\n"))
            }
            guard ok else { return nil }
            var next = m
            next.fields[f] = Array(s[i..<(i + width)])
            return match(rest, s, i + width, next)
        }
    }

    static func iso8601(_ s: Text, now: Date) -> Date? {
        var found: (ISOMatch, [Piece])?
        for t in templates {
            if let m = match(t[...], s, 0, ISOMatch()) { found = (m, t); break }
        }
        guard let (dateMatch, _) = found else { return nil }
        // The optional time: T?hh:mm(:ss)?(.frac)?([+-]hh(:mm)?|Z)?
        var i = dateMatch.end
        var hour: Text?, minute: Text?, second: Text?, tz: Text?, tzHour: Text?, tzMinute: Text?
        func digit(_ k: Int) -> Bool { k < s.count && isDecimal(s[k]) }
        func readTime(from start: Int) -> Int? {
            var k = start
            guard digit(k), digit(k + 1), k + 2 < s.count, s[k + 2] == ":", digit(k + 3), digit(k + 4) else { return nil }
            hour = Array(s[k..<(k + 2)]); minute = Array(s[(k + 3)..<(k + 5)])
            k += 5
            if k < s.count, s[k] == ":", digit(k + 1), digit(k + 2) { second = Array(s[(k + 1)..<(k + 3)]); k += 3 }
            if k < s.count, s[k] == ".", digit(k + 1) {
                k += 1
                while digit(k) { k += 1 }
            }
            if k < s.count, s[k] == "+" || s[k] == "-", digit(k + 1), digit(k + 2) {
                let zoneStart = k
                tzHour = Array(s[(k + 1)..<(k + 3)])
                k += 3
                if k < s.count, s[k] == ":", digit(k + 1), digit(k + 2) { tzMinute = Array(s[(k + 1)..<(k + 3)]); k += 3 }
                tz = Array(s[zoneStart..<k])
            } else if k < s.count, s[k] == "Z" {
                tz = ["Z"]
                k += 1
            }
            return k
        }
        if i < s.count, s[i] == "T", let end = readTime(from: i + 1) { i = end }
        else if let end = readTime(from: i) { i = end }
        guard i > 0 else { return nil }  // an empty match

        let clock = ISOTime.civil(now)
        let ordinal = dateMatch.fields[.ordinal].flatMap(int) ?? 0
        var year: Int
        if let y = dateMatch.fields[.year4] ?? dateMatch.fields[.year2] {
            guard let v = int(y) else { return nil }
            year = y.count == 2 ? 100 * (clock.year / 100) + v : v
        } else {
            year = clock.year
        }
        var month: Int
        if let mo = dateMatch.fields[.month] {
            guard let v = int(mo) else { return nil }
            month = v
        } else {
            month = ordinal != 0 ? 1 : clock.month
        }
        var day: Int
        if let d = dateMatch.fields[.day] {
            guard let v = int(d) else { return nil }
            day = v
        } else if ordinal != 0 {
            day = ordinal
        } else if dateMatch.fields[.century] != nil || dateMatch.fields[.year4] != nil || dateMatch.fields[.year2] != nil
                    || dateMatch.fields[.month] != nil {
            day = 1
        } else {
            day = clock.day
        }
        if let c = dateMatch.fields[.century] {
            guard let v = int(c) else { return nil }
            year = (v - 1) * 100 + 1
        }
        var h = hour.flatMap(int) ?? 0, mi = minute.flatMap(int) ?? 0
        let se = second.flatMap(intOfFloat) ?? 0
        if let tz, tz != ["Z"] {
            let zh = tzHour.flatMap(int) ?? 0, zm = tzMinute.flatMap(int) ?? 0
            if tz.first == "-" { h += zh; mi += zm } else { h -= zh; mi -= zm }
        }
        return mktime(year: year, month: month, day: day, hour: h, minute: mi, second: se)
    }

    // MARK: Perforce, Hungarian, Greek, Korean

    /// "Fri, 2006/09/15 08:19:53 EDT" anywhere in the string; the zone as `email.utils.parsedate_tz` reads it.
    static func perforce(_ s: Text) -> Date? {
        let zones: [String: Int] = ["UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "AST": -400, "ADT": -300, "EST": -500,
                                    "EDT": -400, "CST": -600, "CDT": -500, "MST": -700, "MDT": -600, "PST": -800, "PDT": -700]
        for start in s.indices {
            // (\w{,3}), (\d{,4})/(\d{,2})/(\d{2}) (\d{,2}):(\d{2}):(\d{2}) (\w{,3})
            var k = start
            func run(_ max: Int, _ test: (Unicode.Scalar) -> Bool) -> Text {
                let from = k
                while k < s.count, k - from < max, test(s[k]) { k += 1 }
                return Array(s[from..<k])
            }
            func lit(_ c: Unicode.Scalar) -> Bool { if k < s.count, s[k] == c { k += 1; return true }; return false }
            _ = run(3, isWord)
            guard lit(","), lit(" ") else { continue }
            let year = run(4, isDecimal)
            guard lit("/") else { continue }
            let month = run(2, isDecimal)
            guard lit("/") else { continue }
            let day = run(2, isDecimal)
            guard day.count == 2, lit(" ") else { continue }
            let hour = run(2, isDecimal)
            guard lit(":") else { continue }
            let minute = run(2, isDecimal)
            guard minute.count == 2, lit(":") else { continue }
            let second = run(2, isDecimal)
            guard second.count == 2, lit(" ") else { continue }
            let zone = string(run(3, isWord))
            guard let y = int(year), let mo = int(month), mo >= 1, mo <= 12, let d = int(day), let h = int(hour),
                  let mi = int(minute), let se = int(second) else { return nil }
            let fullYear = y < 100 ? (y > 68 ? y + 1900 : y + 2000) : y
            let offset = zones[zone.uppercased()] ?? 0
            let minutes = (offset / 100) * 60 + offset % 100
            return mktime(year: fullYear, month: mo, day: d, hour: h, minute: mi - minutes, second: se)
        }
        return nil
    }

    private static let hungarianMonths: [String: String] = [
        "január": "01", "februári": "02", "március": "03", "április": "04", "máujus": "05", "június": "06",
        "július": "07", "augusztus": "08", "szeptember": "09", "október": "10", "november": "11", "december": "12",
    ]

    /// `(\d{4})-([^-]+)-(\d{,2})T(\d{,2}):(\d{2})([+-](\d{,2}:\d{2}))` with a Hungarian month name, via W3C-DTF.
    static func hungarian(_ s: Text) -> Date? {
        var k = 0
        func run(_ max: Int, _ test: (Unicode.Scalar) -> Bool) -> Text {
            let from = k
            while k < s.count, k - from < max, test(s[k]) { k += 1 }
            return Array(s[from..<k])
        }
        func lit(_ c: Unicode.Scalar) -> Bool { if k < s.count, s[k] == c { k += 1; return true }; return false }
        let year = run(4, isDecimal)
        guard year.count == 4, lit("-") else { return nil }
        let monthName = run(Int.max) { $0 != "-" }
        guard !monthName.isEmpty, lit("-") else { return nil }
        var day = run(2, isDecimal)
        guard lit("T") else { return nil }
        var hour = run(2, isDecimal)
        guard lit(":") else { return nil }
        let minute = run(2, isDecimal)
        guard minute.count == 2, k < s.count, s[k] == "+" || s[k] == "-" else { return nil }
        let zoneStart = k
        k += 1
        _ = run(2, isDecimal)
        guard lit(":"), run(2, isDecimal).count == 2 else { return nil }
        guard let month = hungarianMonths[string(monthName)] else { return nil }
        if day.count == 1 { day.insert("0", at: 0) }
        if hour.count == 1 { hour.insert("0", at: 0) }
        let w3 = year + ["-"] + Array(month.unicodeScalars) + ["-"] + day + ["T"] + hour + [":"] + minute + Array(s[zoneStart..<k])
        return w3dtf(w3)
    }

    private static let greekMonths: [String: String] = [
        "\u{0399}\u{03b1}\u{03bd}": "Jan", "\u{03a6}\u{03b5}\u{03b2}": "Feb", "\u{039c}\u{03ac}\u{03ce}": "Mar",
        "\u{039c}\u{03b1}\u{03ce}": "Mar", "\u{0391}\u{03c0}\u{03c1}": "Apr", "\u{039c}\u{03ac}\u{03b9}": "May",
        "\u{039c}\u{03b1}\u{03ca}": "May", "\u{039c}\u{03b1}\u{03b9}": "May", "\u{0399}\u{03bf}\u{03cd}\u{03bd}": "Jun",
        "\u{0399}\u{03bf}\u{03bd}": "Jun", "\u{0399}\u{03bf}\u{03cd}\u{03bb}": "Jul", "\u{0399}\u{03bf}\u{03bb}": "Jul",
        "\u{0391}\u{03cd}\u{03b3}": "Aug", "\u{0391}\u{03c5}\u{03b3}": "Aug", "\u{03a3}\u{03b5}\u{03c0}": "Sep",
        "\u{039f}\u{03ba}\u{03c4}": "Oct", "\u{039d}\u{03bf}\u{03ad}": "Nov", "\u{039d}\u{03bf}\u{03b5}": "Nov",
        "\u{0394}\u{03b5}\u{03ba}": "Dec",
    ]
    private static let greekDays: [String: String] = [
        "\u{039a}\u{03c5}\u{03c1}": "Sun", "\u{0394}\u{03b5}\u{03c5}": "Mon", "\u{03a4}\u{03c1}\u{03b9}": "Tue",
        "\u{03a4}\u{03b5}\u{03c4}": "Wed", "\u{03a0}\u{03b5}\u{03bc}": "Thu", "\u{03a0}\u{03b1}\u{03c1}": "Fri",
        "\u{03a3}\u{03b1}\u{03b2}": "Sat",
    ]

    /// `([^,]+),\s+(\d{2})\s+([^\s]+)\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s+([^\s]+)` with Greek names, via RFC 822.
    static func greek(_ s: Text) -> Date? {
        guard let comma = s.firstIndex(of: ","), comma > 0 else { return nil }
        let rest = splitWhitespace(Array(s[(comma + 1)...]))
        guard rest.count >= 5, let wday = greekDays[string(Array(s[..<comma]))], rest[0].count == 2,
              let month = greekMonths[string(rest[1])], rest[2].count == 4 else { return nil }
        let time = split(rest[3], on: ":")
        guard time.count == 3, time.allSatisfy({ $0.count == 2 }) else { return nil }
        let text = "\(wday), \(string(rest[0])) \(month) \(string(rest[2])) \(string(rest[3])) \(string(rest[4]))"
        return rfc822(Array(text.unicodeScalars))
    }

    /// OnBlog: "2004년 05월 28일 01:31:15" (+09:00), via W3C-DTF.
    static func onblog(_ s: Text) -> Date? {
        let parts = splitWhitespace(s)
        guard parts.count >= 4, parts[0].count == 5, parts[0].last == "\u{B144}", parts[1].count == 3, parts[1].last == "\u{C6D4}",
              parts[2].count == 3, parts[2].last == "\u{C77C}" else { return nil }
        let time = split(parts[3], on: ":")
        guard time.count >= 3, time[0].count == 2, time[1].count == 2, time[2].count >= 2 else { return nil }
        let w3 = "\(string(Array(parts[0].dropLast())))-\(string(Array(parts[1].dropLast())))-\(string(Array(parts[2].dropLast())))T\(string(time[0])):\(string(time[1])):\(string(Array(time[2].prefix(2))))+09:00"
        return w3dtf(Array(w3.unicodeScalars))
    }

    /// Nate: "2004-05-25 오후 11:23:17" (+09:00), via W3C-DTF.
    static func nate(_ s: Text) -> Date? {
        let parts = splitWhitespace(s)
        guard parts.count >= 3, parts[0].count == 10 else { return nil }
        let am: Text = ["\u{C624}", "\u{C804}"], pm: Text = ["\u{C624}", "\u{D6C4}"]
        guard parts[1] == am || parts[1] == pm else { return nil }
        let time = split(parts[2], on: ":")
        guard time.count >= 3, var hour = int(time[0]) else { return nil }
        if parts[1] == pm { hour += 12 }
        let h = hour < 10 ? "0\(hour)" : "\(hour)"
        let w3 = "\(string(parts[0]))T\(h):\(string(time[1])):\(string(time[2]))+09:00"
        return w3dtf(Array(w3.unicodeScalars))
    }

    // MARK: Python's semantics

    /// `datetime(y, mo, d, h, mi, s) - timedelta(minutes: offset)`; nil where Python raises.
    private static func datetime(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, offsetMinutes: Int) -> Date? {
        guard (1...9999).contains(y), (1...12).contains(mo), d >= 1, d <= ISOTime.daysInMonth(y, mo),
              (0...23).contains(h), (0...59).contains(mi), (0...59).contains(s), abs(offsetMinutes) < 1_000_000_000
        else { return nil }
        let days = Int64(ISOTime.daysFromCivil(y, mo, d))
        let t = days * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offsetMinutes) * 60
        // utctimetuple() of a result outside years 1...9999 raises OverflowError.
        guard t >= -62_135_596_800, t <= 253_402_300_799 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(t))
    }

    /// C `mktime` in UTC: fields past their range carry into the next (month 13 is January of the next year,
    /// day 0 the last of the month before), as `time.mktime` normalises them.
    private static func mktime(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        guard abs(year) < 1_000_000, abs(month) < 1_000_000, abs(day) < 100_000_000, abs(hour) < 100_000_000,
              abs(minute) < 100_000_000, abs(second) < 100_000_000 else { return nil }
        let months = year * 12 + (month - 1)
        let y = months >= 0 ? months / 12 : (months - 11) / 12
        let m = months - y * 12 + 1
        let days = Int64(ISOTime.daysFromCivil(y, m, 1)) + Int64(day - 1)
        let t = days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
        return Date(timeIntervalSince1970: TimeInterval(t))
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func isDecimal(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c.value >= 0x30 && c.value <= 0x39 }
        return c.properties.numericType == .decimal
    }

    private static func isWord(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
    }

    static func strip(_ s: Text) -> Text {
        guard let a = s.firstIndex(where: { !isSpace($0) }), let b = s.lastIndex(where: { !isSpace($0) }) else { return [] }
        return Array(s[a...b])
    }

    static func splitWhitespace(_ s: Text) -> [Text] {
        var out: [Text] = []
        var cur: Text = []
        for c in s {
            if isSpace(c) {
                if !cur.isEmpty { out.append(cur); cur = [] }
            } else {
                cur.append(c)
            }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    static func split(_ s: Text, on sep: Unicode.Scalar, maxSplits: Int = .max) -> [Text] {
        var out: [Text] = []
        var cur: Text = []
        for c in s {
            if c == sep, out.count < maxSplits {
                out.append(cur)
                cur = []
            } else {
                cur.append(c)
            }
        }
        out.append(cur)
        return out
    }

    private static func slice(_ s: Text, _ from: Int, _ to: Int) -> Text {
        let a = min(max(0, from), s.count), b = min(max(a, to), s.count)
        return Array(s[a..<b])
    }

    private static func lower(_ s: Text) -> Text {
        Array(String(String.UnicodeScalarView(s)).lowercased().unicodeScalars)
    }

    private static func string(_ s: Text) -> String { String(String.UnicodeScalarView(s)) }

    /// Python's `int(str)`: optional whitespace, sign, decimal digits of any script, single `_` between digits.
    static func int(_ raw: Text) -> Int? {
        var s = strip(raw)[...]
        var negative = false
        if let f = s.first, f == "+" || f == "-" { negative = f == "-"; s = s.dropFirst() }
        guard let first = s.first, let last = s.last, isDecimal(first), isDecimal(last) else { return nil }
        var v = 0
        var previousUnderscore = false
        for c in s {
            if c == "_" {
                guard !previousUnderscore else { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard isDecimal(c), let d = c.properties.numericValue else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(d))
            guard !o1, !o2 else { return nil }
            v = a
        }
        return negative ? -v : v
    }

    /// Python's `int(float(str))`: a decimal number with an optional fraction and exponent, truncated toward zero.
    static func intOfFloat(_ raw: Text) -> Int? {
        if let v = int(raw) { return v }
        var ascii = ""
        for c in strip(raw) {
            if c == "_" { continue }
            if isDecimal(c), let d = c.properties.numericValue { ascii += String(Int(d)); continue }
            guard c.isASCII else { return nil }
            ascii.unicodeScalars.append(c)
        }
        let lowered = ascii.lowercased()
        guard !lowered.contains("inf"), !lowered.contains("nan"), let d = Double(ascii), d.isFinite,
              abs(d) < 1e15 else { return nil }
        return Int(d.rounded(.towardZero))
    }
}
