/// Writes archive lines straight from stored columns into a byte buffer: the same keys, order and escaping as
/// `ArchiveRecord.jsonLine()` (`JSONObjectWriter` + `JSONText.appendString`), without a Swift `String` per field.
/// A unit test holds the two byte for byte equal.
enum ArchiveLineEncoder {
    private static let keys: [[UInt8]] = [
        #"{"schema":1,"id":"#, #","feed":"#, #","guid":"#, #","url":"#, #","title":"#, #","published":"#, #","fetched":"#,
        #","author":"#, #","categories":"#, #","summary":"#, #","content":"#, #","relevant":"#, #","relevance":"#,
        #","topics":"#, #","near_duplicate_of":"#, #","revision_of":"#, #","story":"#,
    ].map { Array($0.utf8) }
    private static let null = Array("null".utf8)
    private static let hex = Array("0123456789abcdef".utf8)

    /// Appends the line of a row of `ItemStore.recordColumns`, then "\n".
    static func append(row: SQLiteRow, to out: inout [UInt8]) {
        for c in Int32(0)..<17 {
            out.append(contentsOf: keys[Int(c)])
            switch c {
            case 8, 13:  // categories, topics: stored as the contract's JSON
                if row.isNull(c) { out.append(contentsOf: [0x5B, 0x5D]) } else { row.appendText(c, to: &out) }
            case 11:
                out.append(contentsOf: row.int64(c) != 0 ? Array("true".utf8) : Array("false".utf8))
            case 12:
                out.append(contentsOf: JSONText.number(row.double(c)).utf8)
            default:
                if row.isNull(c) {
                    out.append(contentsOf: (c == 0 || c == 1 || c == 6) ? [0x22, 0x22] : null)
                } else {
                    appendString(row, c, to: &out)
                }
            }
        }
        out.append(0x7D)  // }
        out.append(0x0A)
    }

    /// A JSON string of the column's UTF-8 text, escaped as `JSONText.appendString` does.
    private static func appendString(_ row: SQLiteRow, _ c: Int32, to out: inout [UInt8]) {
        out.append(0x22)
        let start = out.count
        row.appendText(c, to: &out)
        var clean = true
        for i in start..<out.count {
            let u = out[i]
            if u < 0x20 || u == 0x22 || u == 0x5C || u == 0x3C || u == 0x3E || u == 0x26 { clean = false; break }
        }
        if !clean {
            let raw = Array(out[start...])
            out.removeSubrange(start...)
            for u in raw {
                switch u {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                case 0x3C, 0x3E, 0x26, 0x00..<0x20:
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(u >> 4)], hex[Int(u & 0xF)]])
                default: out.append(u)
                }
            }
        }
        out.append(0x22)
    }
}
