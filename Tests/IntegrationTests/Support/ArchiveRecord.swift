import Foundation

/// One line of `<state>/archive/YYYY-MM-DD.jsonl`.
struct ArchiveRecord {
    let file: String
    let line: String
    let fields: [String: JSONValue]

    subscript(key: String) -> JSONValue? { fields[key] }
    var id: String { fields["id"]?.string ?? "" }
    var title: String? { fields["title"]?.string }
    var feed: String? { fields["feed"]?.string }

    /// The fields of DESIGN.md "The archive record", exactly.
    static let fieldNames: Set<String> = [
        "schema", "id", "feed", "guid", "url", "title", "published", "fetched", "author", "categories", "summary",
        "content", "relevant", "relevance", "topics", "near_duplicate_of", "revision_of", "story",
    ]

    /// Every way this record departs from the archive contract; empty when it conforms.
    func contractViolations() -> [String] {
        var problems: [String] = []
        let keys = Set(fields.keys)
        if keys != Self.fieldNames {
            problems.append("fields: missing \(Self.fieldNames.subtracting(keys).sorted()), extra \(keys.subtracting(Self.fieldNames).sorted())")
        }
        func check(_ key: String, _ ok: (JSONValue) -> Bool, _ expected: String) {
            guard let v = fields[key] else { return }
            if !ok(v) { problems.append("\(key) should be \(expected), is \(v)") }
        }
        let isHash = { (v: JSONValue) in v.string.map(Self.isContentHash) ?? false }
        let isTime = { (v: JSONValue) in v.string.map(Self.isISOTime) ?? false }
        let isString = { (v: JSONValue) in v.string != nil }
        let isUnit = { (v: JSONValue) in v.number.map { (0...1).contains($0) } ?? false }
        func orNull(_ f: @escaping (JSONValue) -> Bool) -> (JSONValue) -> Bool { { $0.isNull || f($0) } }

        check("schema", { $0 == .number(1) }, "the number 1")
        check("id", isHash, "64 lower-case hex digits")
        check("feed", { $0.string.map { $0.hasPrefix("http://") || $0.hasPrefix("https://") } ?? false }, "a feed URL")
        check("guid", orNull(isString), "string|null")
        check("url", orNull { $0.string.map { $0.hasPrefix("http://") || $0.hasPrefix("https://") } ?? false }, "URL|null")
        check("title", orNull(isString), "string|null")
        check("published", orNull(isTime), "ISO 8601 UTC|null")
        check("fetched", isTime, "ISO 8601 UTC")
        check("author", orNull(isString), "string|null")
        check("categories", { $0.array?.allSatisfy(isString) ?? false }, "[string]")
        check("summary", orNull(isString), "string|null")
        check("content", orNull(isString), "string|null")
        check("relevant", { $0.bool != nil }, "bool")
        check("relevance", isUnit, "a number in 0...1")
        check("topics", { v in
            v.array?.allSatisfy { t in
                guard let o = t.object else { return false }
                return Set(o.keys) == ["id", "score", "terms"] && o["id"]?.string != nil && isUnit(o["score"]!)
                    && (o["terms"]?.array?.allSatisfy(isString) ?? false)
            } ?? false
        }, "[{id: string, score: 0...1, terms: [string]}]")
        check("near_duplicate_of", orNull(isHash), "id|null")
        check("revision_of", orNull(isHash), "id|null")
        check("story", orNull(isString), "string|null")
        return problems
    }

    static func isContentHash(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, optionally with fractional seconds.
    static func isISOTime(_ s: String) -> Bool {
        s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"#, options: .regularExpression) != nil
    }
}

enum Archive {
    /// Every record in `<state>/archive/*.jsonl`, file by file in name order; a line that is not a JSON object
    /// is recorded as an issue.
    static func read(stateDir: URL) throws -> (records: [ArchiveRecord], issues: [String]) {
        let dir = stateDir.appendingPathComponent("archive")
        guard FileManager.default.fileExists(atPath: dir.path) else { return ([], []) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        var records: [ArchiveRecord] = []
        var issues: [String] = []
        for file in files {
            guard file.range(of: #"^\d{4}-\d{2}-\d{2}\.jsonl$"#, options: .regularExpression) != nil else {
                issues.append("unexpected file in archive/: \(file)")
                continue
            }
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            if !text.isEmpty, !text.hasSuffix("\n") { issues.append("\(file): last line not terminated") }
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                      let object = value.object else {
                    issues.append("\(file): not a JSON object: \(line.prefix(120))")
                    continue
                }
                records.append(ArchiveRecord(file: file, line: String(line), fields: object))
            }
        }
        return (records, issues)
    }
}
