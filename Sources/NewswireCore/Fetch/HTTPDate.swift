import Foundation

/// The IMF-fixdate form of HTTP dates ("Sun, 06 Nov 1994 08:49:37 GMT"), and the obsolete RFC 850 and
/// asctime forms that RFC 9110 still asks recipients to accept.
public enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    public static func parse(_ s: String) -> Date? {
        let parts = s.replacingOccurrences(of: ",", with: " ").split(whereSeparator: { $0 == " " || $0 == "-" })
            .map { $0.lowercased() }
        // IMF-fixdate: wkday DD Mon YYYY HH:MM:SS GMT; RFC 850: weekday DD-Mon-YY HH:MM:SS GMT
        if parts.count >= 5, let day = Int(parts[1]), let mon = months.firstIndex(of: String(parts[2].prefix(3))),
           var year = Int(parts[3]) {
            if year < 100 { year += year < 70 ? 2000 : 1900 }
            return time(parts[4]).flatMap { ISOTime.fromFields(year: year, month: mon + 1, day: day, hour: $0.0, minute: $0.1, second: $0.2) }
        }
        // asctime: wkday Mon D HH:MM:SS YYYY
        if parts.count == 5, let mon = months.firstIndex(of: String(parts[1].prefix(3))), let day = Int(parts[2]),
           let year = Int(parts[4]) {
            return time(parts[3]).flatMap { ISOTime.fromFields(year: year, month: mon + 1, day: day, hour: $0.0, minute: $0.1, second: $0.2) }
        }
        return nil
    }

    private static func time(_ s: String) -> (Int, Int, Int)? {
        let t = s.split(separator: ":").compactMap { Int($0) }
        guard t.count == 3 else { return nil }
        return (t[0], t[1], t[2])
    }
}
