import Foundation

/// Schema step 5 and `ArchiveReading`: what the `archive` commands read, on PostgreSQL. Full-text search runs
/// on a stored generated `tsvector` (title weighted A, summary B, content C) under a GIN index, queried with
/// `websearch_to_tsquery` and ranked with `ts_rank_cd`; the rest are the SQLite store's queries in
/// PostgreSQL's dialect, in the same orders (text compared as bytes, `COLLATE "C"`, as SQLite's BINARY).
///
/// The text search configuration is `simple`: lower case, no stemming, no stop words, whatever the language.
/// The feeds are in several languages and an item's language is a guess, so a language's stemmer would mangle
/// the others' words; `simple` also matches what FTS5's `unicode61` tokenizer does on SQLite (words as they
/// are), so one query finds the same items on both stores.
extension PostgresStore {
    static let searchSchema = """
        ALTER TABLE items ADD COLUMN search tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
            setweight(to_tsvector('simple', coalesce(summary, '')), 'B') ||
            setweight(to_tsvector('simple', coalesce(content, '')), 'C')) STORED;
        CREATE INDEX items_search ON items USING gin(search);
        """

    /// Rows read per statement by the commands that walk every item (export, tail -f), so a large store is
    /// never held in memory at once (libpq returns a statement's rows together).
    static let readPage = 500

    /// A query in FTS5's syntax as PostgreSQL runs it: the text for `websearch_to_tsquery`, and the prefix terms
    /// (`word*`), which it does not have, for `to_tsquery` (`word:*`, `!word:*` after NOT), the two ANDed. Outside
    /// double quotes, `AND` goes (every word must occur anyway), `NOT b` becomes `-b` and `NEAR(a b)` becomes
    /// `a b` (both words, anywhere). `OR`, `"a phrase"` and plain words mean the same in both. In a query with
    /// `OR`, where ANDing a prefix to the rest would change its meaning, `word*` is the word `word`.
    static func searchQuery(_ query: String) -> (websearch: String, prefixes: String) {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        for ch in query {
            if ch == "\"" { quoted.toggle() }
            if !quoted, ch.isWhitespace {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        let hasOR = tokens.contains { $0.lowercased() == "or" }
        var out: [String] = []
        var prefixes: [String] = []
        var negateNext = false
        for var t in tokens {
            if t == "AND" { continue }
            if t == "NOT" { negateNext = true; continue }
            if t.hasPrefix("NEAR(") { t.removeFirst(5) }
            if !t.hasPrefix("\""), t.hasSuffix(")") { t.removeLast() }
            let negated = negateNext || t.hasPrefix("-")
            negateNext = false
            if t.hasPrefix("-") { t.removeFirst() }
            if !t.hasPrefix("\""), t.hasSuffix("*") {
                while t.hasSuffix("*") { t.removeLast() }
                // Letters and digits only: the term goes into to_tsquery's syntax as it is.
                if !hasOR, !t.isEmpty, t.allSatisfy({ $0.isLetter || $0.isNumber }) {
                    prefixes.append((negated ? "!" : "") + t.lowercased() + ":*")
                    continue
                }
            }
            if t.isEmpty { continue }
            out.append((negated ? "-" : "") + t)
        }
        return (out.joined(separator: " "), prefixes.joined(separator: " & "))
    }

    /// The tsquery of a `searchQuery` whose parts are parameters `$n` and `$n+1`.
    static func tsquerySQL(_ n: Int) -> String {
        "tsquery_and(websearch_to_tsquery('simple', $\(n)), to_tsquery('simple', $\(n + 1)))"
    }

    /// The query as `websearch_to_tsquery` will take it, or a `SearchQueryError` when it has nothing to match.
    private func tsQuery(_ query: String) throws -> [String?] {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw SearchQueryError(query: query, reason: "the query is empty", hint: Self.queryHint) }
        let parts = Self.searchQuery(trimmed)
        let q = [parts.websearch, parts.prefixes]
        let nodes = try db.query("SELECT numnode(\(Self.tsquerySQL(1)))", q).first?.first ?? nil
        guard let nodes, nodes != "0" else {
            throw SearchQueryError(query: query, reason: "it has no word to search for", hint: Self.queryHint)
        }
        return q
    }

    static let queryHint = "every word must occur; \"a phrase\" in double quotes, OR, NOT word (or -word) and word* as on SQLite; "
        + "case is ignored, accents are not"

    /// `ItemFilter` as conditions on `items i`, with parameters numbered from `first`.
    static func conditions(_ f: ItemFilter, first: Int) -> (sql: String, args: [String?]) {
        var c: [String] = []
        var a: [String?] = []
        func parameter(_ v: String) -> String {
            a.append(v)
            return "$\(first + a.count - 1)"
        }
        if !f.topics.isEmpty {
            c.append("EXISTS (SELECT 1 FROM jsonb_array_elements(i.topics::jsonb) ft WHERE \(parameter(ItemStore.stringsJSON(f.topics)))::jsonb ? (ft->>'id'))")
        }
        if f.relevantOnly { c.append("i.relevant = 1") }
        if let feed = f.feed { c.append("i.feed_url = \(parameter(feed))") }
        // ISO 8601 in UTC with a fixed width sorts as text in time order, as in the SQLite store.
        if let since = f.since { c.append("i.fetched COLLATE \"C\" >= \(parameter(ISOTime.format(since)))") }
        if let until = f.until { c.append("i.fetched COLLATE \"C\" < \(parameter(ISOTime.format(until)))") }
        return (c.map { " AND " + $0 }.joined(), a)
    }

    static let aliasedRecordColumns = ItemStore.aliasedRecordColumns
    static let archivedCondition = "NOT EXISTS (SELECT 1 FROM archive_pending p WHERE p.seq = i.seq)"

    private static func record(_ row: ArraySlice<String?>) -> ArchiveRecord { ItemStore.record(row: recordValues(Array(row))) }

    /// `body` over one snapshot of the store (a read-only repeatable-read transaction), so a walk in pages sees
    /// the items of one moment, as SQLite's one statement does.
    private func snapshot<T>(_ body: () throws -> T) throws -> T {
        guard !openTransaction else { return try body() }
        try db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            let value = try body()
            try db.execute("COMMIT")
            return value
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}

extension PostgresStore: ArchiveReading {
    public var displayName: String { name }

    // MARK: Full-text search

    public func rankedMatches(_ query: String, filter: ItemFilter, limit: Int) throws -> [RankedMatch] {
        let q = try tsQuery(query)
        let (conditions, args) = Self.conditions(filter, first: 4)
        // ts_rank_cd: higher is better; negated, so that lower is better as with BM25 on SQLite.
        let rows = try db.query("""
            SELECT i.seq, ts_rank_cd(i.search, q) AS r FROM items i, \(Self.tsquerySQL(1)) q
            WHERE i.search @@ q\(conditions) ORDER BY r DESC, i.seq LIMIT $3
            """, q + [String(max(1, limit))] + args)
        return rows.map { RankedMatch(seq: Int64($0[0] ?? "") ?? 0, rank: -(Double($0[1] ?? "") ?? 0)) }
    }

    public func hits(_ ranked: [RankedMatch], query: String) throws -> [SearchHit] {
        guard !ranked.isEmpty else { return [] }
        let q = try tsQuery(query)
        // The snippet comes from the first of summary, content and title that matches the whole query, else
        // from all three together; about 20 words, as FTS5's snippet().
        let options = "StartSel=\(SearchHit.matchStart), StopSel=\(SearchHit.matchEnd), MaxWords=20, MinWords=12"
        let rows = try db.query("""
            WITH s AS (
                SELECT i.seq, \(Self.aliasedRecordColumns),
                       CASE WHEN to_tsvector('simple', coalesce(i.summary, '')) @@ q THEN i.summary
                            WHEN to_tsvector('simple', coalesce(i.content, '')) @@ q THEN i.content
                            WHEN to_tsvector('simple', coalesce(i.title, '')) @@ q THEN i.title
                            ELSE concat_ws(' ', i.title, i.summary, i.content) END AS source, q
                FROM items i, \(Self.tsquerySQL(1)) q WHERE i.seq = ANY($3::bigint[]))
            SELECT s.*, ts_headline('simple', coalesce(s.source, ''), s.q, $4) FROM s
            """, q + ["{" + ranked.map { String($0.seq) }.joined(separator: ",") + "}", options])
        var found: [Int64: SearchHit] = [:]
        let n = ArchiveLineField.allCases.count
        for row in rows {
            let seq = Int64(row[0] ?? "") ?? 0
            let source = row[n + 1] ?? ""
            let headline = row[n + 3] ?? ""
            found[seq] = SearchHit(record: Self.record(row[1...n]), snippet: Self.elided(headline, of: source), rank: 0)
        }
        return ranked.compactMap { m in
            guard var hit = found[m.seq] else { return nil }
            hit.rank = m.rank
            return hit
        }
    }

    /// `headline` with "…" where it cuts `source` short (FTS5's snippet marks its cuts the same way).
    static func elided(_ headline: String, of source: String) -> String {
        let plain = headline.filter { $0 != SearchHit.matchStart && $0 != SearchHit.matchEnd }
        let trimmed = plain.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return headline }
        let s = source.trimmingCharacters(in: .whitespacesAndNewlines)
        return (s.hasPrefix(trimmed) ? "" : "…") + headline + (s.hasSuffix(trimmed) ? "" : "…")
    }

    // MARK: Reading items in order

    public func forEachItem(filter: ItemFilter, afterSeq: Int64, archivedOnly: Bool,
                            _ body: (Int64, ArchiveRecord) throws -> Void) throws {
        let (conditions, args) = Self.conditions(filter, first: 2)
        let sql = """
            SELECT i.seq, \(Self.aliasedRecordColumns) FROM items i WHERE i.seq > $1\(conditions)\
            \(archivedOnly ? " AND " + Self.archivedCondition : "") ORDER BY i.seq LIMIT \(Self.readPage)
            """
        try snapshot {
            var last = afterSeq
            while true {
                let rows = try db.query(sql, [String(last)] + args)
                for row in rows {
                    last = Int64(row[0] ?? "") ?? last
                    try body(last, Self.record(row[1...]))
                }
                if rows.count < Self.readPage { return }
            }
        }
    }

    public func writeArchiveLines(filter: ItemFilter, flushAt: Int,
                                  _ flush: (inout [UInt8], Int) throws(StoreError) -> Void) throws(StoreError) {
        let (conditions, args) = Self.conditions(filter, first: 2)
        let sql = """
            SELECT i.seq, \(Self.aliasedRecordColumns) FROM items i WHERE i.seq > $1\(conditions) ORDER BY i.seq LIMIT \(Self.readPage)
            """
        var out: [UInt8] = []
        out.reserveCapacity(flushAt + (64 << 10))
        var lines = 0
        do {
            try snapshot {
                var last: Int64 = 0
                while true {
                    let rows = try db.query(sql, [String(last)] + args)
                    for row in rows {
                        last = Int64(row[0] ?? "") ?? last
                        ArchiveLineEncoder.append(PostgresArchiveLine(row: row), to: &out)
                        out.append(0x0A)
                        lines += 1
                        if out.count >= flushAt { try flush(&out, lines) }
                    }
                    if rows.count < Self.readPage { break }
                }
                try flush(&out, lines)
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(path: name, message: "\(error)")
        }
    }

    public func lastArchivedItems(_ count: Int, filter: ItemFilter) throws -> (items: [(Int64, ArchiveRecord)], maxSeq: Int64) {
        let (conditions, args) = Self.conditions(filter, first: 2)
        let rows = try db.query("""
            SELECT i.seq, \(Self.aliasedRecordColumns) FROM items i WHERE \(Self.archivedCondition)\(conditions)
            ORDER BY i.seq DESC LIMIT $1
            """, [String(max(0, count))] + args)
        let items = rows.reversed().map { (Int64($0[0] ?? "") ?? 0, Self.record($0[1...])) }
        return (items, try maxSeq())
    }

    public func maxSeq() throws(StoreError) -> Int64 {
        (try db.query("SELECT coalesce(max(seq), 0) FROM items").first?.first ?? nil).flatMap { Int64($0) } ?? 0
    }

    public func firstUnarchivedSeq(after seq: Int64) throws(StoreError) -> Int64? {
        (try db.query("SELECT min(seq) FROM archive_pending WHERE seq > $1", [String(seq)]).first?.first ?? nil).flatMap { Int64($0) }
    }

    // MARK: One item and its relations

    public func resolveItemID(_ prefix: String) throws -> String? {
        let p = prefix.lowercased()
        guard p.count >= 6, p.allSatisfy(\.isHexDigit) else {
            throw StoreError(path: name, message: "'\(prefix)' is not an item id (64 hex digits, or the first 6 or more)")
        }
        // A range on the unique index of `id` (the prefix with its last digit raised bounds it in any collation
        // for hex digits), checked exactly by the prefix itself.
        var upper = Array(p.utf8)
        while let last = upper.last, last == UInt8(ascii: "f") { upper.removeLast() }
        var range = "i.id >= $1"
        var args: [String?] = [p]
        if let last = upper.popLast() {
            upper.append(last == UInt8(ascii: "9") ? UInt8(ascii: "a") : last + 1)
            range += " AND i.id < $2"
            args.append(String(decoding: upper, as: UTF8.self))
        }
        let rows = try db.query("""
            SELECT i.id FROM items i WHERE \(range) AND left(i.id, \(p.count)) = $1 ORDER BY i.id COLLATE "C" LIMIT 2
            """, args)
        if rows.count > 1 {
            throw StoreError(path: name, message: "'\(prefix)' names more than one item; give more of the id")
        }
        return rows.first?.first ?? nil
    }

    public func details(id: String) throws -> ItemDetails? {
        func items(_ whereSQL: String, _ args: [String?]) throws -> [ArchiveRecord] {
            try db.query("SELECT \(Self.aliasedRecordColumns) FROM items i WHERE \(whereSQL) ORDER BY i.seq", args)
                .map { Self.record($0[...]) }
        }
        func item(_ id: String) throws -> ArchiveRecord? { try items("i.id = $1", [id]).first }
        guard let record = try item(id) else { return nil }
        let sightings = try db.query("""
            SELECT s.feed_url, s.guid, s.url, s.first_seen, s.last_seen, s.count FROM sightings s JOIN items i ON i.seq = s.item_seq
            WHERE i.id = $1 ORDER BY s.first_seen COLLATE "C", s.feed_url COLLATE "C"
            """, [id]).map { row in
            Sighting(feedURL: row[0] ?? "", guid: row[1].flatMap { $0.isEmpty ? nil : $0 }, url: row[2],
                     firstSeen: row[3].flatMap(ISOTime.parse) ?? Date(timeIntervalSince1970: 0),
                     lastSeen: row[4].flatMap(ISOTime.parse) ?? Date(timeIntervalSince1970: 0),
                     count: row[5].flatMap { Int($0) } ?? 0)
        }
        return ItemDetails(
            record: record,
            sightings: sightings,
            revisions: try items("i.revision_of = $1", [id]),
            revises: try record.revisionOf.flatMap { try item($0) },
            nearDuplicates: try items("i.near_duplicate_of = $1", [id]),
            nearDuplicateOf: try record.nearDuplicateOf.flatMap { try item($0) },
            story: try record.story.map { try items("i.story = $1 AND i.id <> $2", [$0, id]) } ?? [])
    }

    // MARK: Counts

    public func count(filter: ItemFilter) throws(StoreError) -> Int {
        let (conditions, args) = Self.conditions(filter, first: 1)
        return (try db.query("SELECT count(*) FROM items i WHERE true\(conditions)", args).first?.first ?? nil).flatMap { Int($0) } ?? 0
    }

    public func stats(filter: ItemFilter) throws -> ArchiveStats {
        let (conditions, args) = Self.conditions(filter, first: 1)
        let w = " WHERE true" + conditions
        func rows(_ sql: String) throws -> [ArchiveStats.Row] {
            try db.query(sql, args).map { ArchiveStats.Row(key: $0[0] ?? "", items: Int($0[1] ?? "") ?? 0, relevant: Int($0[2] ?? "") ?? 0) }
        }
        return try snapshot {
            var s = ArchiveStats()
            if let total = try db.query("SELECT count(*), coalesce(sum(i.relevant), 0) FROM items i\(w)", args).first {
                s.items = Int(total[0] ?? "") ?? 0
                s.relevant = Int(total[1] ?? "") ?? 0
            }
            s.perDay = try rows("SELECT substr(i.fetched, 1, 10) COLLATE \"C\", count(*), sum(i.relevant) FROM items i\(w) GROUP BY 1 ORDER BY 1")
            // One row per (topic, item), as SQLite's `item_topics` holds them.
            s.perTopic = try rows("""
                SELECT t.topic COLLATE "C", count(*), sum(i.relevant) FROM items i
                CROSS JOIN LATERAL (SELECT DISTINCT e->>'id' AS topic FROM jsonb_array_elements(i.topics::jsonb) e
                                    WHERE e->>'id' IS NOT NULL) t\(w)
                GROUP BY 1 ORDER BY 2 DESC, 1
                """)
            s.perFeed = try rows("""
                SELECT i.feed_url COLLATE "C", count(*), sum(i.relevant) FROM items i\(w) GROUP BY 1 ORDER BY 2 DESC, 1
                """)
            return s
        }
    }
}

/// A row `i.seq, ItemStore.recordColumns…` as the archive line encoder reads it (text from libpq; `categories`
/// and `topics` are stored as the contract's JSON, appended as they are).
struct PostgresArchiveLine: ArchiveLineFields {
    let row: [String?]

    private func value(_ field: ArchiveLineField) -> String? { row[Int(field.rawValue) + 1] }

    func appendString(_ field: ArchiveLineField, to out: inout [UInt8]) {
        if let v = value(field) {
            JSONText.appendString(v, to: &out)
        } else {
            // id, feed and fetched are NOT NULL columns; the contract has them as strings whatever happens.
            out.append(contentsOf: field == .id || field == .feed || field == .fetched ? [0x22, 0x22] : JSONText.null)
        }
    }

    func appendJSON(_ field: ArchiveLineField, to out: inout [UInt8]) {
        if let v = value(field) { out.append(contentsOf: v.utf8) } else { out.append(contentsOf: [0x5B, 0x5D]) }
    }

    var relevant: Bool { (value(.relevant) ?? "0") != "0" }
    var relevance: Double { value(.relevance).flatMap { Double($0) } ?? 0 }
}
