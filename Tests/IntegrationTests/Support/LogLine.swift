/// One `key=value` log line of newswired's stderr (the log contract: `ts= level= event=` then sorted pairs,
/// values with spaces quoted, `\"` and `\\` escaped inside quotes).
struct LogLine: CustomStringConvertible {
    let raw: String
    let fields: [String: String]

    subscript(key: String) -> String? { fields[key] }
    var event: String? { fields["event"] }
    var level: String? { fields["level"] }
    var feed: String? { fields["feed"] }
    var status: Int? { fields["status"].flatMap { Int($0) } }
    var description: String { raw }

    /// nil when the line is not a `key=value` line with an `event`.
    init?(_ line: String) {
        var fields: [String: String] = [:]
        var i = line.startIndex
        func skipSpaces() { while i < line.endIndex, line[i] == " " { i = line.index(after: i) } }
        skipSpaces()
        while i < line.endIndex {
            guard let eq = line[i...].firstIndex(of: "="), !line[i..<eq].contains(" ") else { return nil }
            let key = String(line[i..<eq])
            i = line.index(after: eq)
            var value = ""
            if i < line.endIndex, line[i] == "\"" {
                i = line.index(after: i)
                var closed = false
                while i < line.endIndex {
                    let c = line[i]
                    i = line.index(after: i)
                    if c == "\"" { closed = true; break }
                    if c == "\\", i < line.endIndex {
                        let e = line[i]
                        i = line.index(after: i)
                        switch e {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        default: value.append(e)
                        }
                    } else {
                        value.append(c)
                    }
                }
                guard closed else { return nil }
            } else {
                while i < line.endIndex, line[i] != " " {
                    value.append(line[i])
                    i = line.index(after: i)
                }
            }
            fields[key] = value
            skipSpaces()
        }
        guard fields["event"] != nil else { return nil }
        raw = line
        self.fields = fields
    }

    static func parseAll(_ text: String) -> [LogLine] {
        text.split(separator: "\n").compactMap { LogLine(String($0)) }
    }
}

extension [LogLine] {
    func events(_ event: String, feed: String? = nil) -> [LogLine] {
        filter { $0.event == event && (feed == nil || $0.feed == feed) }
    }

    func errors(feed: String? = nil) -> [LogLine] {
        filter { $0.level == "error" && (feed == nil || $0.feed == feed) }
    }
}
