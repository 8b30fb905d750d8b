import Foundation

/// One item as the near-duplicate index and the story clusterer know it.
public struct DedupEntry: Sendable, Equatable {
    public var itemID: String
    /// The first archived copy of this text (the item itself when it is an original).
    public var root: String
    public var story: String
    /// The fingerprint's hashes in lead order (`dedup_items.keys`, 8 bytes little-endian each): what a lookup
    /// counts shared shingles with (empty when the lead was too short to give any). Read back from the store;
    /// `registerDedup` takes the fingerprint as its own argument.
    public var keys: [Int64] = []
    /// Its story vector: `StoryClusterer.Vector.encoded` (a store written before it may hold the older text
    /// form, which `StoryClusterer.Vector(stored:)` reads too).
    public var terms: SQLValue
}

/// Schema 4: the near-duplicate index and the story clusters.
///
/// - `dedup_items`: one row per registered item (root, story, first-seen time, fingerprint size, story vector).
/// - `dedup_keys`: sampled lead shingle → item (`seq` of `dedup_items`) and its rank in the lead; primary key
///   (key, seq), so a lookup reads the newest postings of one key from the index. Since schema 6 only the
///   first `NearDuplicateIndex.maxLeadOffset` keys of each lead are indexed (a copy must share one of them:
///   see `NearDuplicateIndex.lookup`); the whole fingerprint is `dedup_items.keys`. Since schema 7 new
///   postings go to `dedup_keys_recent` (same layout) and move to `dedup_keys` in bulk: see
///   `mergeRecentDedupKeys`. A lookup reads both.
/// - `story_terms`: salient term → item, the inverted index of the story clusterer; `story_df` counts items
///   per term (its idf).
extension ItemStore {
    func migrateDedupSchema() throws(StoreError) {
        try db.execute("""
        BEGIN;
        CREATE TABLE IF NOT EXISTS dedup_items(
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            item_id TEXT NOT NULL UNIQUE,
            root TEXT NOT NULL,
            story TEXT NOT NULL,
            fetched INTEGER NOT NULL,
            key_count INTEGER NOT NULL,
            terms TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS dedup_items_fetched ON dedup_items(fetched);
        CREATE TABLE IF NOT EXISTS dedup_keys(
            key INTEGER NOT NULL, seq INTEGER NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY(key, seq)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS story_terms(term INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(term, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS story_df(term INTEGER PRIMARY KEY, df INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS items_story ON items(story);
        PRAGMA user_version = 4;
        COMMIT;
        """)
    }

    /// Schema step 6: each item's whole fingerprint moves into `dedup_items.keys`, and `dedup_keys` keeps
    /// only the first `indexedKeys` keys of each lead. About 37 postings per item were ~80 % of the random
    /// B-tree rows a new item wrote; ≤ 8 remain. Runs once, in one transaction, time proportional to the
    /// postings stored (read in key order, each item's blob updated once).
    func migrateDedupKeysToBlobs(indexedKeys: Int = NearDuplicateIndex().maxLeadOffset) throws(StoreError) {
        try db.execute("BEGIN IMMEDIATE")
        do {
            if (try db.int("PRAGMA user_version") ?? 0) < 6 {
                if try db.int("SELECT count(*) FROM pragma_table_info('dedup_items') WHERE name = 'keys'") == 0 {
                    try db.execute("ALTER TABLE dedup_items ADD COLUMN keys BLOB")
                }
                var seq: Int64 = -1
                var keys: [Int64] = []
                func flush() throws(StoreError) {
                    guard seq >= 0 else { return }
                    try db.query("UPDATE dedup_items SET keys = ? WHERE seq = ?", [.blob(Self.int64Blob(keys)), .integer(seq)])
                }
                try db.forEachRow("SELECT seq, key FROM dedup_keys ORDER BY seq, pos") { row throws(StoreError) in
                    if row.int64(0) != seq {
                        try flush()
                        seq = row.int64(0)
                        keys.removeAll(keepingCapacity: true)
                    }
                    keys.append(row.int64(1))
                }
                try flush()
                try db.query("DELETE FROM dedup_keys WHERE pos >= ?", [.integer(Int64(indexedKeys))])
                try db.execute("PRAGMA user_version = 6")
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// The items indexed under any of `keys` (each key's `perKeyLimit` newest postings).
    public func nearDuplicateCandidates(keys: [NearDuplicateKey], perKeyLimit: Int) throws(StoreError) -> Set<Int64> {
        var seqs = Set<Int64>()
        for key in keys {
            // Both tables, newest first: SQLite merges the two index scans (no sort).
            try db.forEachRow("""
                SELECT seq FROM dedup_keys_recent WHERE key = ?1 UNION ALL SELECT seq FROM dedup_keys WHERE key = ?1
                ORDER BY seq DESC LIMIT ?2
                """, [.integer(key.hash), .integer(Int64(perKeyLimit))]) { seqs.insert($0.int64(0)) }
        }
        return seqs
    }

    static let createRecentDedupKeys = """
        CREATE TABLE IF NOT EXISTS dedup_keys_recent(
            key INTEGER NOT NULL, seq INTEGER NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY(key, seq)
        ) WITHOUT ROWID;
        """

    /// Postings gathered in `dedup_keys_recent` before they move to `dedup_keys` together.
    static let recentDedupKeysLimit = 16_384

    /// Moves the recent near-duplicate postings into `dedup_keys` once there are `limit` of them, in the
    /// transaction being committed. Keys are random, so a commit's postings land on that many different
    /// leaves of `dedup_keys`: at 50,000 items, nearly all of its ~2,000 pages were written to the WAL again by
    /// every 250-item commit, ~45 % of the pages a commit wrote. The small table takes them instead (~150
    /// pages), and each leaf of the big one is written once per ~2,000 items.
    func mergeRecentDedupKeys(limit: Int = recentDedupKeysLimit) throws(StoreError) {
        guard try db.int("SELECT count(*) FROM dedup_keys_recent") ?? 0 >= Int64(limit) else { return }
        try db.execute("""
            INSERT OR IGNORE INTO dedup_keys(key, seq, pos) SELECT key, seq, pos FROM dedup_keys_recent ORDER BY key, seq;
            DELETE FROM dedup_keys_recent;
            """)
    }

    static let dedupColumns = "item_id, root, story, terms, keys"

    private static func dedupEntry(row: [SQLValue]) -> DedupEntry {
        var keys: [Int64] = []
        if case .blob(let b) = row[4] { keys = int64s(b) }
        return DedupEntry(itemID: row[0].text ?? "", root: row[1].text ?? "", story: row[2].text ?? "", keys: keys,
                          terms: row[3])
    }

    /// Little-endian 64-bit integers, 8 bytes each: the `keys` column.
    static func int64Blob(_ values: [Int64]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    static func int64s(_ b: [UInt8]) -> [Int64] {
        b.withUnsafeBytes { raw in
            (0..<(b.count / 8)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
    }

    public func dedupEntry(seq: Int64) throws(StoreError) -> DedupEntry? {
        try db.query("SELECT \(Self.dedupColumns) FROM dedup_items WHERE seq = ?", [.integer(seq)]).first.map(Self.dedupEntry(row:))
    }

    public func dedupEntry(itemID: String) throws(StoreError) -> DedupEntry? {
        try db.query("SELECT \(Self.dedupColumns) FROM dedup_items WHERE item_id = ?", [.text(itemID)]).first.map(Self.dedupEntry(row:))
    }

    /// Items registered so far (the newest `seq`: constant time, unlike count(*)).
    public func storyItemCount() throws(StoreError) -> Int {
        Int(try db.int("SELECT max(seq) FROM dedup_items") ?? 0)
    }

    /// The first `seq` registered at or after `fetched` (Unix seconds); past the newest when there is none.
    public func firstDedupSeq(since fetched: Int) throws(StoreError) -> Int64 {
        if let s = try db.int("SELECT seq FROM dedup_items WHERE fetched >= ? ORDER BY fetched, seq LIMIT 1",
                              [.integer(Int64(fetched))]) {
            return s
        }
        return Int64.max
    }

    /// Hands `body` the items with `term` registered at or after `sinceSeq`, newest first, at most `limit`. In a
    /// write transaction from `storyPostings`, which reads the term's newest `limit` once (StoryPostingCache.swift).
    public func forEachStoryPosting(term: Int64, sinceSeq: Int64, limit: Int,
                                    _ body: (Int64) -> Void) throws(StoreError) {
        if storyPostings.forEach(term: term, sinceSeq: sinceSeq, limit: limit, body) { return }
        guard db.inTransaction else {
            try db.forEachRow("SELECT seq FROM story_terms WHERE term = ? AND seq >= ? ORDER BY seq DESC LIMIT ?",
                              [.integer(term), .integer(sinceSeq), .integer(Int64(limit))]) { body($0.int64(0)) }
            return
        }
        var newest: [Int64] = []
        try db.forEachRow("SELECT seq FROM story_terms WHERE term = ? ORDER BY seq DESC LIMIT ?",
                          [.integer(term), .integer(Int64(limit))]) { newest.append($0.int64(0)) }
        storyPostings.remember(term: term, newestFirst: newest, limit: limit)
        for seq in newest where seq >= sinceSeq { body(seq) }
    }

    /// Registers an item with its fingerprint and story terms (once: a second registration is ignored): the
    /// whole fingerprint is stored with the item, its first `indexedKeys` keys get a posting (in
    /// `dedup_keys_recent`, until `mergeRecentDedupKeys` moves it to `dedup_keys`);
    /// `terms` count towards their document frequency, `postings` (nil: all of `terms`) get a `story_terms` row.
    public func registerDedup(_ e: DedupEntry, keys: [NearDuplicateKey], indexedKeys: Int = NearDuplicateIndex().maxLeadOffset,
                              terms: [Int64], postings: [Int64]? = nil, fetched: Int) throws(StoreError) {
        try db.query("""
            INSERT OR IGNORE INTO dedup_items(item_id, root, story, fetched, key_count, terms, keys) VALUES(?,?,?,?,?,?,?)
            """, [.text(e.itemID), .text(e.root), .text(e.story), .integer(Int64(fetched)), .integer(Int64(keys.count)),
                  e.terms, .blob(Self.int64Blob(keys.map(\.hash)))])
        guard db.changes > 0 else { return }
        let seq = db.lastInsertRowID
        if case .blob(let b) = e.terms {
            storyVectors.add(seq: seq, story: e.story, vector: StoryClusterer.Sorted(encoded: b))
            if !db.inTransaction { storyVectors.commit() }
        }
        // One statement per table, the values as a JSON array (json_each's `key` is the index: the key's rank).
        try db.query("INSERT OR IGNORE INTO dedup_keys_recent(key, seq, pos) SELECT value, ?, key FROM json_each(?)",
                     [.integer(seq), .text(Self.jsonArray(keys.prefix(indexedKeys).map(\.hash)))])
        guard !terms.isEmpty else { return }
        let termList = SQLValue.text(Self.jsonArray(terms))
        let postingList = postings.map { SQLValue.text(Self.jsonArray($0)) } ?? termList
        try db.query("INSERT OR IGNORE INTO story_terms(term, seq) SELECT value, ? FROM json_each(?)", [.integer(seq), postingList])
        storyPostings.added(seq: seq, terms: postings ?? terms)
        if !db.inTransaction { storyPostings.commit() }
        if db.inTransaction {
            documentFrequencies.increment(terms)  // written at commit (`writeDocumentFrequencies`)
        } else {
            try db.query("""
                INSERT INTO story_df(term, df) SELECT value, 1 FROM json_each(?) WHERE true
                ON CONFLICT(term) DO UPDATE SET df = df + 1
                """, [termList])
            documentFrequencies.incremented(terms)
        }
    }

    /// Document frequencies of `terms` (absent terms: 0) as this transaction sees them: cached counts, the
    /// rest in one statement (`DocumentFrequencies`).
    public func storyDocumentFrequencies(terms: [Int64]) throws(StoreError) -> [Int64: Int] {
        let counts = try storyDocumentFrequencyList(terms: terms)
        return Dictionary(zip(terms, counts), uniquingKeysWith: { a, _ in a })
    }

    /// `storyDocumentFrequencies` as a list in the order of `terms`: no dictionary to build and look up again.
    func storyDocumentFrequencyList(terms: [Int64]) throws(StoreError) -> [Int] {
        let cached = documentFrequencies.lookup(terms)
        var missing: [Int64] = []
        for (t, n) in zip(terms, cached) where n == nil { missing.append(t) }
        guard !missing.isEmpty else { return cached.map { $0! } }
        var stored = Int64Table<Int>(minimumCapacity: missing.count)
        try db.forEachRow("SELECT term, df FROM story_df WHERE term IN (SELECT value FROM json_each(?))",
                          [.text(Self.jsonArray(missing))]) { row in stored[row.int64(0)] = Int(row.int64(1)) }
        var out: [Int] = []
        out.reserveCapacity(terms.count)
        for (t, n) in zip(terms, cached) {
            out.append(n ?? documentFrequencies.remember(t, stored: stored[t] ?? 0))
        }
        return out
    }

    /// Writes the transaction's document-frequency increments, one statement, terms in key order.
    func writeDocumentFrequencies() throws(StoreError) {
        let pending = documentFrequencies.takePending()
        guard !pending.isEmpty else { return }
        // One array of [term, count] pairs (two arrays joined on their index made a nested loop: json_each has
        // no index).
        var pairs = "["
        for (i, p) in pending.enumerated() {
            if i > 0 { pairs += "," }
            pairs += Self.jsonArray([p.term, Int64(p.count)])
        }
        try db.query("""
            INSERT INTO story_df(term, df) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
            WHERE true ON CONFLICT(term) DO UPDATE SET df = df + excluded.df
            """, [.text(pairs + "]")])
    }

    /// `[1,-2,3]`: a list of integers for `json_each`, written straight into the string's storage
    /// (`JSONText.writeDecimal`; a `String` per number was most of the cost of registering an item's keys and
    /// terms, and appending to an array decoded after was still ~12,000 instructions for an item's).
    static func jsonArray(_ values: [Int64]) -> String {
        // At most 20 characters a value ("-9223372036854775808") and a comma; the brackets.
        String(unsafeUninitializedCapacity: values.count * 21 + 2) { out in
            var n = 0
            out[n] = 0x5B
            n += 1
            for (i, v) in values.enumerated() {
                if i > 0 {
                    out[n] = 0x2C
                    n += 1
                }
                if v < 0 {
                    out[n] = 0x2D
                    n += 1
                }
                n = JSONText.writeDecimal(v.magnitude, to: out, at: n)
            }
            out[n] = 0x5D
            return n + 1
        }
    }

    /// The story and stored vector of the item registered as `seq`: what a story lookup scores each candidate
    /// by, decoded straight from the row (no row of Swift values, no copy of the blob).
    func storyCandidate(seq: Int64) throws(StoreError) -> (story: String, vector: StoryClusterer.Sorted)? {
        if let cached = storyVectors.entry(seq: seq) { return cached }
        var found: (String, StoryClusterer.Sorted)?
        try db.forEachRow("SELECT story, terms FROM dedup_items WHERE seq = ?", [.integer(seq)]) { row in
            let story = row.withText(0) { String(decoding: $0, as: UTF8.self) }
            let vector = row.isBlob(1) ? row.withBlob(1) { StoryClusterer.Sorted(encoded: $0) }
                : StoryClusterer.Sorted(StoryClusterer.Vector(text: row.withText(1) { String(decoding: $0, as: UTF8.self) }))
            found = (story, vector)
        }
        return found
    }
}
