import Foundation

/// A point in time as the archive commands take it: `7d`, `12h`, `30m`, `2w` (that long before now), a UTC day
/// `YYYY-MM-DD`, or an instant `YYYY-MM-DDTHH:MM:SSZ`.
public enum TimeBound {
    /// Which end of a range a day names: its start (`--since`) or the start of the next day (`--until`, so the day
    /// itself is included).
    public enum End: Sendable { case start, end }

    public static func parse(_ text: String, end: End, now: Date = Date()) -> Date? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let unit = s.last, let n = Int(s.dropLast()), n >= 0 {
            let seconds: Int? = switch unit {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86_400
            case "w": 7 * 86_400
            default: nil
            }
            if let seconds { return now.addingTimeInterval(-Double(n * seconds)) }
        }
        if let t = ISOTime.parse(s) { return t }
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
           let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
           let day = ISOTime.fromFields(year: y, month: m, day: d, hour: 0, minute: 0, second: 0) {
            return end == .start ? day : day.addingTimeInterval(86_400)
        }
        return nil
    }
}
