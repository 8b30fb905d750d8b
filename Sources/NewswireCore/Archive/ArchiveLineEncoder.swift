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
        row.withText(c) { JSONText.appendEscaped($0, to: &out) }
    }
}
