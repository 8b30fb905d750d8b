import Foundation

/// Where an item's archive line is: its day file (`YYYY-MM-DD`), the line's first byte and its length without
/// the newline. The SQLite store keeps this for every archived item instead of the item's summary and content
/// (schema 12): the archive holds the text once, and a reader takes it from there.
public struct ArchiveLineLocation: Sendable, Equatable {
    public var day: String
    public var offset: Int64
    public var length: Int

    public init(day: String, offset: Int64, length: Int) {
        self.day = day
        self.offset = offset
        self.length = length
    }

    /// The day as the store keeps it, `YYYYMMDD` (4 bytes in a row instead of 10). Days come from
    /// `ISOTime.day` or from day file names (`ArchiveReader.isDayFileName`): digits and dashes.
    var dayNumber: Int64 {
        day.utf8.reduce(0) { n, c in (48...57).contains(c) ? n * 10 + Int64(c - 48) : n }
    }

    init(dayNumber n: Int64, offset: Int64, length: Int) {
        let d = Int(n)
        let text = String(d / 10_000) + "-" + (d / 100 % 100 < 10 ? "0" : "") + String(d / 100 % 100) + "-"
            + (d % 100 < 10 ? "0" : "") + String(d % 100)
        self.init(day: text, offset: offset, length: length)
    }
}

/// An item whose archive line is written and synced, and where that line is.
public struct ArchivedLine: Sendable, Equatable {
    public var id: String
    public var location: ArchiveLineLocation

    public init(id: String, location: ArchiveLineLocation) {
        self.id = id
        self.location = location
    }
}

/// Reads archive lines back by location (`ArchiveLineLocation`), keeping the last few day files it opened open:
/// a reader of many items reads them in store order, which follows the days.
final class ArchiveLineReader {
    let directory: URL
    private var files: [String: Int32] = [:]
    private let decoder = JSONDecoder()

    init(directory: URL) {
        self.directory = directory
    }

    deinit { close() }

    func close() {
        for fd in files.values { Glibc.close(fd) }
        files.removeAll()
    }

    /// The line's bytes (no newline), checked to be the line of the item `id`. Throws `ArchiveError` naming the
    /// file and offset when the file or the line is not there: a day file moved, cut or edited by hand.
    func line(_ location: ArchiveLineLocation, id: String) throws(ArchiveError) -> [UInt8] {
        let file = path(location)
        let fd: Int32
        if let open = files[location.day] {
            fd = open
        } else {
            if files.count >= Self.openFiles { close() }  // an export over years must not run out of descriptors
            fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw ArchiveError(path: file, message: "cannot read the line of item \(id): \(String(cString: strerror(errno)))")
            }
            files[location.day] = fd
        }
        guard let bytes = POSIX.pread(fd, count: location.length, at: off_t(location.offset)), bytes.count == location.length,
              ArchiveWriter.id(ofLine: bytes) == id else {
            throw ArchiveError(path: "\(file):@\(location.offset)",
                               message: "the line of item \(id) is not where the store says it is (was the file edited or cut?)")
        }
        return bytes
    }

    /// The summary and content of the item's archive line, found as `encodedText` finds them and decoded.
    func text(_ location: ArchiveLineLocation, id: String) throws(ArchiveError) -> (summary: String?, content: String?) {
        let t = try encodedText(location, id: id)
        do {
            return (try decoder.decode(String?.self, from: Data(t.line[t.summary])),
                    try decoder.decode(String?.self, from: Data(t.line[t.content])))
        } catch {
            throw ArchiveError(path: path(location) + ":@\(location.offset)", message: "the line of item \(id) does not decode: \(error)")
        }
    }

    /// The summary and content of the item's archive line as the encoder wrote them (each `null` or a JSON
    /// string, escaped), to be copied into a line again without decoding.
    func encodedText(_ location: ArchiveLineLocation, id: String) throws(ArchiveError) -> EncodedText {
        let bytes = try line(location, id: id)
        guard let text = EncodedText(line: bytes) else {
            throw ArchiveError(path: path(location) + ":@\(location.offset)",
                               message: "the line of item \(id) does not have the archive's key order")
        }
        return text
    }

    static let openFiles = 8
    var openCount: Int { files.count }

    private func path(_ location: ArchiveLineLocation) -> String {
        directory.appendingPathComponent("\(location.day).jsonl").path
    }
}

/// The `summary` and `content` values of an archive line as `ArchiveLineEncoder` wrote them. The encoder writes
/// the keys in contract order and escapes every quote inside a string, so the first `,"summary":` is the key
/// and its value ends at the first quote not escaped.
struct EncodedText {
    let line: [UInt8]
    let summary: Range<Int>
    let content: Range<Int>

    init?(line: [UInt8]) {
        guard let s = Self.value(after: Array(#","summary":"#.utf8), in: line, from: 0),
              let c = Self.value(after: Array(#","content":"#.utf8), in: line, from: s.upperBound),
              c.lowerBound == s.upperBound + 11 else { return nil }
        self.line = line
        summary = s
        content = c
    }

    /// The value right after the first `key` at or after `start`: `null` or a whole JSON string.
    private static func value(after key: [UInt8], in line: [UInt8], from start: Int) -> Range<Int>? {
        guard line.count >= key.count else { return nil }
        var i = start
        while i + key.count <= line.count {
            if line[i] == key[0], line[i..<i + key.count].elementsEqual(key) { break }
            i += 1
        }
        let v = i + key.count
        guard v < line.count else { return nil }
        if line[v] == UInt8(ascii: "n") {
            return v + 4 <= line.count && line[v..<v + 4].elementsEqual("null".utf8) ? v..<v + 4 : nil
        }
        guard line[v] == UInt8(ascii: "\"") else { return nil }
        var j = v + 1
        while j < line.count, line[j] != UInt8(ascii: "\"") { j += line[j] == UInt8(ascii: "\\") ? 2 : 1 }
        return j < line.count ? v..<j + 1 : nil
    }
}
