import Foundation

/// ISO 8601 UTC timestamps ("YYYY-MM-DDTHH:MM:SSZ") without a formatter object per call.
public enum ISOTime {
    /// Formats a date as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds, rounded down); dates outside the years
    /// 1...9999 are clamped to them.
    public static func format(_ date: Date) -> String {
        text(date, prefix: 20)
    }

    /// Appends `format(date)` as UTF-8: the archive line and the store's columns take it without a String.
    public static func append(_ date: Date, to out: inout [UInt8]) {
        let f = fields(seconds(date))
        out.reserveCapacity(out.count + 24)
        appendDigits(f.year, 4, to: &out)
        // Then each field in two digits after its separator: "-MM-DDTHH:MM:SS".
        let rest: InlineArray<5, (separator: UInt8, value: Int)> = [
            (0x2D, f.month), (0x2D, f.day), (0x54, f.hour), (0x3A, f.minute), (0x3A, f.second),
        ]
        for i in rest.indices {
            out.append(rest[i].separator)
            appendDigits(rest[i].value, 2, to: &out)
        }
        out.append(0x5A)
    }

    /// The UTC day of a date, `YYYY-MM-DD` (the name of its archive file).
    public static func day(_ date: Date) -> String {
        text(date, prefix: 10)
    }

    /// The first `prefix` bytes of `append(date)` as a String.
    private static func text(_ date: Date, prefix: Int) -> String {
        var out: [UInt8] = []
        append(date, to: &out)
        return String(decoding: out[..<prefix], as: UTF8.self)
    }

    /// `v` (0...9999) in decimal, zero-padded to `width` digits.
    @inline(__always) private static func appendDigits(_ v: Int, _ width: Int, to out: inout [UInt8]) {
        var divisor = width == 4 ? 1000 : 10
        while divisor > 0 {
            out.append(0x30 + UInt8(truncatingIfNeeded: v / divisor % 10))
            divisor /= 10
        }
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ` (what `format` writes). Other forms belong to the parser's date code.
    public static func parse(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count == 20, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u[19] == 90 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int? {
            var v = 0
            for i in a..<b {
                let d = Int(u[i]) - 48
                guard (0...9).contains(d) else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13),
              let mi = num(14, 16), let se = num(17, 19) else { return nil }
        return fromFields(year: y, month: mo, day: d, hour: h, minute: mi, second: se)
    }

    /// A date from civil UTC fields, or nil when they do not name a real instant (no wrap-around). Years
    /// outside 1...9999 are refused: they fit no ISO 8601 four-digit year, and huge ones would overflow.
    public static func fromFields(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let days = daysFromCivil(year, month, day)
        let secs = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        return Date(timeIntervalSince1970: TimeInterval(secs))
    }

    /// Whole Unix seconds of a date, clamped to 0001-01-01 ... 9999-12-31 (no trap on any Date).
    static func seconds(_ date: Date) -> Int64 {
        let t = date.timeIntervalSince1970
        guard t.isFinite else { return 0 }
        return Int64(min(max(t, -62_135_596_800), 253_402_300_799).rounded(.down))
    }

    /// The UTC calendar day of a date.
    static func civil(_ date: Date) -> (year: Int, month: Int, day: Int) {
        let f = fields(seconds(date))
        return (f.year, f.month, f.day)
    }

    public static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func fields(_ t: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var days = Int(t / 86_400)
        var rem = Int(t % 86_400)
        if rem < 0 { rem += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
    }
}

extension ISOTime {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, for log lines.
    public static func formatMillis(_ date: Date) -> String {
        var out: [UInt8] = []
        appendMillis(date, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `formatMillis(date)` as UTF-8.
    static func appendMillis(_ date: Date, to out: inout [UInt8]) {
        let t = date.timeIntervalSince1970
        let whole = t.rounded(.down)
        let ms = t.isFinite ? min(max(Int((t - whole) * 1000), 0), 999) : 0
        append(date, to: &out)
        out[out.count - 1] = 0x2E  // the "Z" becomes ".", and comes back after the milliseconds
        out.append(0x30 + UInt8(ms / 100))
        out.append(0x30 + UInt8(ms / 10 % 10))
        out.append(0x30 + UInt8(ms % 10))
        out.append(0x5A)
    }
}
