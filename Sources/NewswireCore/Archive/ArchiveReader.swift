import Foundation

/// Reads the archive back: its day files in date order, each complete line as an `ArchiveRecord`. Used to
/// rebuild a store from its archive (`newswired store rebuild`) and to notice an archive beside an empty store.
public struct ArchiveReader: Sendable {
    public let directory: URL

    public init(stateDirectory: URL) {
        directory = stateDirectory.appendingPathComponent("archive", isDirectory: true)
    }

    /// The day files (`YYYY-MM-DD.jsonl`), oldest first.
    public func dayFiles() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter(Self.isDayFileName).sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// `YYYY-MM-DD.jsonl`, digits where digits go: the store keeps a line's day as the number `YYYYMMDD`.
    static func isDayFileName(_ name: String) -> Bool {
        let b = Array(name.utf8)
        guard b.count == 16, name.hasSuffix(".jsonl") else { return false }
        return b[..<10].enumerated().allSatisfy { i, c in i == 4 || i == 7 ? c == UInt8(ascii: "-") : (48...57).contains(c) }
    }

    /// Whether any day file holds a complete line (read in chunks up to its first newline: a day file can be
    /// large).
    public func hasLines() -> Bool {
        dayFiles().contains { file in
            guard let handle = FileHandle(forReadingAtPath: file.path) else { return false }
            defer { try? handle.close() }
            while let chunk = try? handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                if chunk.contains(UInt8(ascii: "\n")) { return true }
            }
            return false
        }
    }

    /// Calls `body` with every complete line's record and where the line is, file by file in date order and in
    /// file order within a file. A line that does not decode is an `ArchiveError` naming file and line; a torn
    /// last line (no newline) is skipped, as the writer cuts it.
    public func forEachRecord(_ body: (ArchiveRecord, ArchiveLineLocation) throws -> Void) throws {
        let decoder = JSONDecoder()
        for file in dayFiles() {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw ArchiveError(path: file.path, message: "cannot read")
            }
            let day = String(file.lastPathComponent.prefix(10))
            var offset: Int64 = 0
            for (n, line) in Self.completeLines(data).enumerated() {
                defer { offset += Int64(line.count) + 1 }
                guard !line.isEmpty else { continue }
                let record: ArchiveRecord
                do {
                    record = try decoder.decode(ArchiveLine.self, from: Data(line)).record()
                    // The store will read the item's text back from this line by its form (`ArchiveLineReader`).
                    let bytes = Array(line)
                    guard ArchiveWriter.id(ofLine: bytes) == record.id, EncodedText(line: bytes) != nil else {
                        throw ArchiveLine.Invalid(message: "not in the form newswired writes (keys in contract order, no spaces or CR; edited by hand?)")
                    }
                } catch {
                    throw ArchiveError(path: "\(file.path):\(n + 1)", message: "not an archive line: \(Self.reason(error))")
                }
                try body(record, ArchiveLineLocation(day: day, offset: offset, length: line.count))
            }
        }
    }

    /// The lines of a day file that end in a newline. What follows the last newline is not written yet,
    /// whatever it holds: the next append cuts it as a torn tail.
    static func completeLines(_ data: Data) -> ArraySlice<Data.SubSequence> {
        data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            "bad \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let c): c.debugDescription
        case let e as ArchiveLine.Invalid: e.message
        default: "\(error)"
        }
    }
}

/// Schema 1 of the archive line (README, "The archive"), as JSON decodes it.
private struct ArchiveLine: Decodable {
    struct Invalid: Error { var message: String }

    var schema: Int
    var id: String
    var feed: String
    var guid: String?
    var url: String?
    var title: String?
    var published: String?
    var fetched: String
    var author: String?
    var categories: [String]
    var summary: String?
    var content: String?
    var relevant: Bool
    var relevance: Double
    var topics: [TopicScore]
    var near_duplicate_of: String?
    var revision_of: String?
    var story: String?

    func record() throws -> ArchiveRecord {
        guard schema == ArchiveRecord.schema else { throw Invalid(message: "schema \(schema), expected \(ArchiveRecord.schema)") }
        guard id.utf8.count == 64, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw Invalid(message: "id is not 64 hex digits")
        }
        guard let fetchedAt = ISOTime.parse(fetched) else { throw Invalid(message: "fetched is not YYYY-MM-DDTHH:MM:SSZ") }
        return ArchiveRecord(id: id, feed: feed, guid: guid, url: url, title: title, published: published.flatMap(ISOTime.parse),
                             fetched: fetchedAt, author: author, categories: categories, summary: summary, content: content,
                             relevant: relevant, relevance: relevance, topics: topics, nearDuplicateOf: near_duplicate_of,
                             revisionOf: revision_of, story: story)
    }
}
