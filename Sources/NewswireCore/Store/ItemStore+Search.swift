import Foundation

/// Which items an archive command looks at. Every condition is optional; together they must all hold.
public struct ItemFilter: Sendable, Equatable {
    /// Items assigned any of these topics (empty: any topic or none).
    public var topics: [String] = []
    public var relevantOnly = false
    /// Items first seen in this feed.
    public var feed: String?
    /// First seen at or after.
    public var since: Date?
    /// First seen before.
    public var until: Date?

    public init(topics: [String] = [], relevantOnly: Bool = false, feed: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.topics = topics
        self.relevantOnly = relevantOnly
        self.feed = feed
        self.since = since
        self.until = until
    }

    /// Whether only the topic index is needed (no condition reads the `items` row).
    var needsItemRow: Bool { relevantOnly || feed != nil || since != nil || until != nil }

    /// SQL conditions on `items` aliased `i` (its `seq` named by `seqColumn`), and their arguments in order.
    func sql(seqColumn: String = "i.seq") -> (conditions: [String], args: [SQLValue]) {
        var c: [String] = []
        var a: [SQLValue] = []
        if !topics.isEmpty {
            c.append("EXISTS (SELECT 1 FROM item_topics ft WHERE ft.topic IN (\(Array(repeating: "?", count: topics.count).joined(separator: ","))) AND ft.seq = \(seqColumn))")
            a += topics.map(SQLValue.text)
        }
        if relevantOnly { c.append("i.relevant = 1") }
        if let feed {
            c.append("i.feed_url = ?")
            a.append(.text(feed))
        }
        if let since {
            c.append("i.fetched >= ?")
            a.append(.text(ISOTime.format(since)))
        }
        if let until {
            c.append("i.fetched < ?")
            a.append(.text(ISOTime.format(until)))
        }
        return (c, a)
    }
}

/// One full-text search result.
public struct SearchHit: Sendable, Equatable {
    public var record: ArchiveRecord
    /// A few words around the best match; each matched term is wrapped in `SearchHit.matchStart` and `matchEnd`.
    public var snippet: String
    /// BM25 (lower is better, as SQLite reports it).
    public var rank: Double

    public static let matchStart: Character = "\u{1}"
    public static let matchEnd: Character = "\u{2}"
}

/// An item matching a search, before its text is read: its store sequence number and BM25 score (lower is better).
public struct RankedMatch: Sendable, Equatable {
    public var seq: Int64
    public var rank: Double

    /// Best first: the lower score, then the earlier item (what SQLite's `ORDER BY rank` gives for equal scores,
    /// since FTS5 yields matches in rowid order).
    static func < (a: RankedMatch, b: RankedMatch) -> Bool { a.rank < b.rank || (a.rank == b.rank && a.seq < b.seq) }
}

/// A binary min-heap of matches (best first): built in O(n) from every match, then popped only as far as the
/// search needs, so taking the best 20 of 15,000 matches costs far less than sorting them all.
struct RankHeap {
    private var a: [RankedMatch] = []

    var isEmpty: Bool { a.isEmpty }

    mutating func append(_ m: RankedMatch) { a.append(m) }

    mutating func heapify() {
        var i = a.count / 2
        while i > 0 {
            i -= 1
            siftDown(i)
        }
    }

    /// Removes and returns the best `n` (fewer when fewer are left), best first.
    mutating func popFirst(_ n: Int) -> [RankedMatch] {
        var out: [RankedMatch] = []
        out.reserveCapacity(min(n, a.count))
        while out.count < n, let first = a.first {
            out.append(first)
            a[0] = a[a.count - 1]
            a.removeLast()
            if !a.isEmpty { siftDown(0) }
        }
        return out
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < a.count, a[l] < a[m] { m = l }
            if r < a.count, a[r] < a[m] { m = r }
            if m == i { return }
            a.swapAt(i, m)
            i = m
        }
    }
}

/// A query the full-text index cannot run (FTS5 syntax), said plainly.
public struct SearchQueryError: Error, Sendable, CustomStringConvertible {
    public var query: String
    public var reason: String
    /// What the store's query syntax is, when it is not FTS5's (PostgreSQL).
    public var hint: String?
    public var description: String {
        "cannot search for \(JSONText.string(query)): \(reason). "
            + (hint ?? "Words are matched as they are (all of them must occur); "
            + "put a phrase or any word with punctuation in double quotes, e.g. '\"U.S.\" \"export controls\"'; "
            + "OR, NOT, NEAR(a b) and prefix* are FTS5 syntax")
    }
}

/// An item together with what the store knows around it (`newswired archive show`).
public struct ItemDetails: Sendable {
    public var record: ArchiveRecord
    public var sightings: [Sighting]
    /// Later versions: items whose `revision_of` is this one.
    public var revisions: [ArchiveRecord]
    /// The earlier version this item revises.
    public var revises: ArchiveRecord?
    /// Syndicated copies: items whose `near_duplicate_of` is this one.
    public var nearDuplicates: [ArchiveRecord]
    /// The first archived copy this item duplicates.
    public var nearDuplicateOf: ArchiveRecord?
    /// The other items of its story cluster.
    public var story: [ArchiveRecord]
}

/// Counts over the archive (`newswired archive stats`).
public struct ArchiveStats: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var key: String
        public var items: Int
        public var relevant: Int
    }
    public var items = 0
    public var relevant = 0
    public var perDay: [Row] = []
    public var perTopic: [Row] = []
    public var perFeed: [Row] = []
}

extension ItemStore {
    /// `recordColumns` qualified with the alias `i` (the PostgreSQL store's queries).
    static let aliasedRecordColumns = recordColumns.split(separator: ",")
        .map { "i." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    private static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    // MARK: Full-text search

    /// Items matching `query` (FTS5 syntax; plain words must all occur) and `filter`, best first (BM25, title
    /// weighted over summary over content; equal scores in store order), at most `limit`.
    public func search(_ query: String, filter: ItemFilter = ItemFilter(), limit: Int = 20) throws -> [SearchHit] {
        try hits(try rankedMatches(query, filter: filter, limit: limit), query: query)
    }

    /// Phase one of `search`: the sequence numbers and BM25 scores of the best `limit` items matching `query` and
    /// `filter`, best first, without reading any text.
    ///
    /// SQLite's own `ORDER BY rank` would sort every match in a nested statement; instead the matches stream out
    /// in rowid order with their score (FTS5 still computes BM25 for each: that is the cost that grows with the
    /// matches) into a heap, and the filter is checked only on the best candidates, a batch at a time, until
    /// `limit` pass. The order is the one `ORDER BY rank, rowid` gives.
    public func rankedMatches(_ query: String, filter: ItemFilter = ItemFilter(), limit: Int = 20) throws -> [RankedMatch] {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw SearchQueryError(query: query, reason: "the query is empty") }
        var heap = RankHeap()
        do {
            try db.forEachRow("SELECT rowid, rank FROM items_fts WHERE items_fts MATCH ?", [.text(trimmed)]) { row in
                heap.append(RankedMatch(seq: row.int64(0), rank: row.double(1)))
            }
        } catch {
            throw Self.queryError(error, query: trimmed)
        }
        heap.heapify()
        let limit = max(1, limit)
        // Candidates best first, in batches (as many as still needed, at least 32, twice the last one when a
        // selective filter passed too few), through one statement whatever the batch size: the batch goes in
        // as one JSON array. A filter on topics only is checked against `item_topics` alone; the others read
        // the items row.
        let join = filter.needsItemRow
        var (conditions, args) = filter.sql(seqColumn: join ? "i.seq" : "j.value")
        guard !conditions.isEmpty else { return heap.popFirst(limit) }
        args.insert(.null, at: 0)
        let sql = join
            ? "SELECT i.seq FROM items i WHERE i.seq IN (SELECT value FROM json_each(?)) AND " + conditions.joined(separator: " AND ")
            : "SELECT j.value FROM json_each(?) j WHERE " + conditions.joined(separator: " AND ")
        var out: [RankedMatch] = []
        var size = 0
        while out.count < limit, !heap.isEmpty {
            size = max(32, limit - out.count, 2 * size)
            let batch = heap.popFirst(size)
            args[0] = .text("[" + batch.map { String($0.seq) }.joined(separator: ",") + "]")
            var pass = Set<Int64>()
            try db.forEachRow(sql, args) { row in pass.insert(row.int64(0)) }
            for m in batch where pass.contains(m.seq) && out.count < limit { out.append(m) }
        }
        return out
    }

    /// Phase two of `search`: the records of `ranked` (in its order) with a snippet of each around its matches.
    ///
    /// The full-text index keeps no text (schema 12), so FTS5's `snippet()` has nothing to cut from: each hit's
    /// text goes into a one-row index in memory with the same tokenizer, and the snippet is cut there, as the
    /// store's index would have cut it.
    public func hits(_ ranked: [RankedMatch], query: String) throws -> [SearchHit] {
        guard !ranked.isEmpty else { return [] }
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        let seqs = "[" + ranked.map { String($0.seq) }.joined(separator: ",") + "]"
        var records: [Int64: ArchiveRecord] = [:]
        let lines = ArchiveLineReader(directory: archiveDirectory)
        for r in try db.query(Self.selectStoredRecords(withSeq: true) + " WHERE i.seq IN (SELECT value FROM json_each(?))", [.text(seqs)]) {
            records[r[0].int ?? 0] = try record(stored: r.dropFirst(), lines: lines)
        }
        let snippetIndex = try SQLiteConnection(path: ":memory:")
        try snippetIndex.execute("""
            CREATE VIRTUAL TABLE hit USING fts5(title, summary, content, tokenize = 'unicode61 remove_diacritics 2')
            """)
        var snippets: [Int64: String] = [:]
        for m in ranked {
            guard let r = records[m.seq] else { continue }
            _ = try snippetIndex.query("DELETE FROM hit")  // prepared once for all hits, as the two below
            try snippetIndex.query("INSERT INTO hit(rowid, title, summary, content) VALUES(1, ?, ?, ?)",
                                   [SQLValue(r.title), SQLValue(r.summary), SQLValue(r.content)])
            snippets[m.seq] = try snippetIndex.query("""
                SELECT snippet(hit, -1, char(1), char(2), '…', 20) FROM hit WHERE hit MATCH ?
                """, [.text(trimmed)]).first?.first?.text
        }
        return ranked.compactMap { m in
            guard let record = records[m.seq] else { return nil }
            return SearchHit(record: record, snippet: snippets[m.seq] ?? "", rank: m.rank)
        }
    }

    /// FTS5 reports a bad query when the statement runs; turn its message into a `SearchQueryError`.
    private static func queryError(_ error: StoreError, query: String) -> Error {
        let m = error.message
        for marker in ["fts5: ", "no such column", "unknown special query", "unterminated string"] {
            if let r = m.range(of: marker) {
                return SearchQueryError(query: query, reason: String(m[r.lowerBound...]))
            }
        }
        if m.contains("malformed MATCH") || m.contains("syntax error") {
            return SearchQueryError(query: query, reason: m)
        }
        return error
    }

    // MARK: Reading items in order

    /// Every item matching `filter`, oldest first (by store sequence), handed to `body` with its sequence number.
    /// `afterSeq`: only items with a larger sequence; `archivedOnly`: only items already appended to the archive.
    public func forEachItem(filter: ItemFilter = ItemFilter(), afterSeq: Int64 = 0, archivedOnly: Bool = false,
                            _ body: (Int64, ArchiveRecord) throws -> Void) throws {
        var (conditions, args) = filter.sql()
        conditions.append("i.seq > ?")
        args.append(.integer(afterSeq))
        if archivedOnly { conditions.append(Self.archivedCondition) }
        let lines = ArchiveLineReader(directory: archiveDirectory)
        try db.forEach(Self.selectStoredRecords(withSeq: true) + Self.whereClause(conditions) + " ORDER BY i.seq", args) {
            (row: [SQLValue]) throws(StoreError) in
            do {
                try body(row[0].int ?? 0, try record(stored: row.dropFirst(), lines: lines))
            } catch let e as StoreError {
                throw e
            } catch {
                throw StoreError(path: path, message: "\(error)")
            }
        }
    }

    /// The archive lines of every item matching `filter`, oldest first, each followed by "\n": an archived item's
    /// line copied from its day file, byte for byte; one not yet archived (or archived before schema 12) written by
    /// the archive's one encoder (`ArchiveLineEncoder`) from the stored columns, without decoding them (the
    /// stored `categories` and `topics` are already the contract's JSON). Lines accumulate in one byte buffer;
    /// `flush` gets it (with the number of lines so far) whenever it passes `flushAt` bytes and at the end, and
    /// must empty it.
    public func writeArchiveLines(filter: ItemFilter = ItemFilter(), flushAt: Int = 256 << 10,
                                  _ flush: (inout [UInt8], Int) throws(StoreError) -> Void) throws(StoreError) {
        let (conditions, args) = filter.sql()
        // A bulk read: map the file rather than copy every page through read(2) (this connection only).
        try db.execute("PRAGMA mmap_size = 17179869184")
        defer { try? db.execute("PRAGMA mmap_size = 0") }
        let lines = ArchiveLineReader(directory: archiveDirectory)
        var out: [UInt8] = []
        out.reserveCapacity(flushAt + (64 << 10))
        var count = 0
        try db.forEachRow(Self.selectStoredRecords() + Self.whereClause(conditions) + " ORDER BY i.seq", args) { row throws(StoreError) in
            var text: EncodedText?
            if !row.isNull(17) {
                let location = ArchiveLineLocation(dayNumber: row.int64(17), offset: row.int64(18), length: Int(row.int64(19)))
                let id = row.withText(0) { String(decoding: $0, as: UTF8.self) }
                do throws(ArchiveError) {
                    text = try lines.encodedText(location, id: id)
                } catch {
                    throw StoreError(path: path, message: error.description)
                }
            }
            ArchiveLineEncoder.append(StoredArchiveLine(row: row, text: text), to: &out)
            out.append(0x0A)
            count += 1
            if out.count >= flushAt { try flush(&out, count) }
        }
        try flush(&out, count)
    }

    /// The last `count` items matching `filter` that are in the archive, oldest first, and the highest sequence
    /// number in the store (where a follower starts).
    public func lastArchivedItems(_ count: Int, filter: ItemFilter = ItemFilter()) throws -> (items: [(Int64, ArchiveRecord)], maxSeq: Int64) {
        var (conditions, args) = filter.sql()
        conditions.append(Self.archivedCondition)
        args.append(.integer(Int64(max(0, count))))
        let rows = try db.query(Self.selectStoredRecords(withSeq: true) + Self.whereClause(conditions) + " ORDER BY i.seq DESC LIMIT ?", args)
        let lines = ArchiveLineReader(directory: archiveDirectory)
        var items: [(Int64, ArchiveRecord)] = []
        for row in rows.reversed() { items.append((row[0].int ?? 0, try record(stored: row.dropFirst(), lines: lines))) }
        return (items, try maxSeq())
    }

    public func maxSeq() throws(StoreError) -> Int64 {
        try db.query("SELECT coalesce(max(seq), 0) FROM items").first?.first?.int ?? 0
    }

    /// The lowest sequence above `seq` of an item committed but not yet archived, if any.
    public func firstUnarchivedSeq(after seq: Int64) throws(StoreError) -> Int64? {
        try db.query("SELECT min(seq) FROM archive_pending WHERE seq > ?", [.integer(seq)]).first?.first?.int
    }

    /// An item of `items i` whose archive line is confirmed (not in `archive_pending`; its rowid is probed).
    static let archivedCondition = "i.seq NOT IN (SELECT seq FROM archive_pending)"

    // MARK: One item and its relations

    /// The full id of the one item whose id starts with `prefix` (at least 6 hex digits); nil when none.
    /// Throws when the prefix names several.
    public func resolveItemID(_ prefix: String) throws -> String? {
        let p = prefix.lowercased()
        guard p.count >= 6, p.allSatisfy(\.isHexDigit) else {
            throw StoreError(path: path, message: "'\(prefix)' is not an item id (64 hex digits, or the first 6 or more)")
        }
        let rows = try db.query("SELECT id FROM items WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", [.text(p), .text(p + "~")])
        if rows.count > 1 {
            throw StoreError(path: path, message: "'\(prefix)' names more than one item; give more of the id")
        }
        return rows.first?.first?.text
    }

    public func details(id: String) throws -> ItemDetails? {
        guard let record = try item(id: id) else { return nil }
        func items(_ whereSQL: String, _ args: [SQLValue]) throws -> [ArchiveRecord] {
            try storedRecords("WHERE \(whereSQL) ORDER BY i.seq", args)
        }
        return ItemDetails(
            record: record,
            sightings: try sightings(itemID: id),
            revisions: try items("i.revision_of = ?", [.text(id)]),
            revises: try record.revisionOf.flatMap { try item(id: $0) },
            nearDuplicates: try items("i.near_duplicate_of = ?", [.text(id)]),
            nearDuplicateOf: try record.nearDuplicateOf.flatMap { try item(id: $0) },
            story: try record.story.map { try items("(\(Self.inStory("?1"))) AND i.id <> ?2", [.text($0), .text(id)]) } ?? [])
    }

    // MARK: Counts

    public func count(filter: ItemFilter = ItemFilter()) throws(StoreError) -> Int {
        let (conditions, args) = filter.sql()
        return Int(try db.query("SELECT count(*) FROM items i\(Self.whereClause(conditions))", args).first?.first?.int ?? 0)
    }

    public func stats(filter: ItemFilter = ItemFilter()) throws -> ArchiveStats {
        let (conditions, args) = filter.sql()
        let w = Self.whereClause(conditions)
        func rows(_ sql: String) throws -> [ArchiveStats.Row] {
            try db.query(sql, args).map { ArchiveStats.Row(key: $0[0].text ?? "", items: Int($0[1].int ?? 0), relevant: Int($0[2].int ?? 0)) }
        }
        var s = ArchiveStats()
        if let total = try db.query("SELECT count(*), coalesce(sum(i.relevant), 0) FROM items i\(w)", args).first {
            s.items = Int(total[0].int ?? 0)
            s.relevant = Int(total[1].int ?? 0)
        }
        s.perDay = try rows("SELECT substr(i.fetched, 1, 10) AS d, count(*), sum(i.relevant) FROM items i\(w) GROUP BY d ORDER BY d")
        s.perTopic = try rows("""
            SELECT t.topic, count(*), sum(i.relevant) FROM item_topics t JOIN items i ON i.seq = t.seq\(w)
            GROUP BY t.topic ORDER BY count(*) DESC, t.topic
            """)
        s.perFeed = try rows("SELECT i.feed_url, count(*), sum(i.relevant) FROM items i\(w) GROUP BY i.feed_url ORDER BY count(*) DESC, i.feed_url")
        return s
    }
}

extension ItemStore {
    /// The store under `stateDirectory` opened for the reading commands: read-only, so a command that only reads
    /// runs none of the writer's PRAGMAs (a one-shot search would fault in the writer's large page cache)
    /// and, closing, neither checkpoints nor removes the WAL (the last read-write connection to close does both).
    /// A store older than this binary's schema is opened read-write instead, which upgrades it as before; a
    /// newer one is refused the same way.
    public static func openForReading(stateDirectory: URL) throws(StoreError) -> ItemStore {
        let store = try ItemStore(stateDirectory: stateDirectory, readOnly: true)
        if try store.db.query("PRAGMA user_version").first?.first?.int == Int64(schemaVersion) { return store }
        return try ItemStore(stateDirectory: stateDirectory)
    }
}

/// A row of `ItemStore.storedRecordColumns` as the archive line encoder reads it: the columns are in
/// `ArchiveLineField` order, and `categories` and `topics` are stored as the contract's JSON.
struct StoredArchiveLine: ArchiveLineFields {
    let row: SQLiteRow
    /// The summary and content from the item's archive line, when the row does not hold them (schema 12).
    var text: EncodedText?

    func appendString(_ field: ArchiveLineField, to out: inout [UInt8]) {
        if let text, field == .summary || field == .content {
            return out.append(contentsOf: text.line[field == .summary ? text.summary : text.content])
        }
        let c = field.rawValue
        if row.isNull(c) {
            // id, feed and fetched are NOT NULL columns; the contract has them as strings whatever happens.
            out.append(contentsOf: field == .id || field == .feed || field == .fetched ? [0x22, 0x22] : JSONText.null)
        } else {
            row.withText(c) { JSONText.appendEscaped($0, to: &out) }
        }
    }

    func appendJSON(_ field: ArchiveLineField, to out: inout [UInt8]) {
        if row.isNull(field.rawValue) { out.append(contentsOf: [0x5B, 0x5D]) } else { row.appendText(field.rawValue, to: &out) }
    }

    var relevant: Bool { row.int64(ArchiveLineField.relevant.rawValue) != 0 }
    var relevance: Double { row.double(ArchiveLineField.relevance.rawValue) }
}
