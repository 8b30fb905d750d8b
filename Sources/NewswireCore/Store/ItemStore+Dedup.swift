import Foundation

/// Schema 4: the near-duplicate index and the story clusters.
///
/// - `dedup_items`: one row per registered item (root, story, first-seen time, fingerprint size, story vector).
/// - `dedup_keys`: sampled lead shingle → item (`seq` of `dedup_items`) and its rank in the lead; primary key
///   (key, seq), so a lookup reads the newest postings of one key from the index. Since schema 6 only the
///   first `NearDuplicateIndex.maxLeadOffset` keys of each lead are indexed (a copy must share one of them:
///   see `NearDuplicateIndex.lookup`); the whole fingerprint is `dedup_items.keys`. Since schema 7 new
///   postings go to `dedup_keys_recent` (same layout) and move to `dedup_keys` in bulk, since schema 10
///   through `dedup_keys_middle`: see `mergeRecentDedupKeys`. A lookup reads all three.
/// - `story_terms`: salient term → item, the inverted index of the story clusterer; `story_df` counts items
///   per term (its idf).
extension ItemStore {
    static let schemaStep4 = """
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
        """

    /// Schema step 6: each item's whole fingerprint moves into `dedup_items.keys`, and `dedup_keys` keeps
    /// only the first `indexedKeys` keys of each lead (8: the lookup's `maxLeadOffset` when the step was written;
    /// a step never changes), so a new item writes ≤ 8 postings instead of ~37. Time
    /// proportional to the postings stored (read in key order, each item's blob updated once).
    static func moveDedupKeysToBlobs(_ db: SQLiteConnection, indexedKeys: Int = 8) throws(StoreError) {
        if try db.int("SELECT count(*) FROM pragma_table_info('dedup_items') WHERE name = 'keys'") == 0 {
            try db.execute("ALTER TABLE dedup_items ADD COLUMN keys BLOB")
        }
        var seq: Int64 = -1
        var keys: [Int64] = []
        func flush() throws(StoreError) {
            guard seq >= 0 else { return }
            try db.query("UPDATE dedup_items SET keys = ? WHERE seq = ?", [.blob(int64Blob(keys)), .integer(seq)])
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
    }

    static let createRecentDedupKeys = """
        CREATE TABLE IF NOT EXISTS dedup_keys_recent(
            key INTEGER NOT NULL, seq INTEGER NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY(key, seq)
        ) WITHOUT ROWID;
        """

    static let createMiddleDedupKeys = """
        CREATE TABLE IF NOT EXISTS dedup_keys_middle(
            key INTEGER NOT NULL, seq INTEGER NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY(key, seq)
        ) WITHOUT ROWID;
        """

    /// Postings gathered in `dedup_keys_recent` before they move to `dedup_keys_middle` together, and in
    /// `dedup_keys_middle` before they move to `dedup_keys`.
    static let recentDedupKeysLimit = 16_384
    static let middleDedupKeysLimit = 262_144

    /// Moves the recent near-duplicate postings on once there are `limit` of them, in the transaction being
    /// committed: into `dedup_keys_middle`, and that table into `dedup_keys` once it holds `middleLimit`.
    /// Keys are random, so a move's postings land on as many different leaves of the table they join, and
    /// each of those leaves is written again. Moving straight into `dedup_keys`, a move wrote nearly every leaf
    /// of a table that grows with the store; the middle table stays small, and the big one is written once per
    /// `middleLimit` postings instead of once per `limit`.
    func mergeRecentDedupKeys(limit: Int = recentDedupKeysLimit, middleLimit: Int = middleDedupKeysLimit) throws(StoreError) {
        guard try db.int("SELECT count(*) FROM dedup_keys_recent") ?? 0 >= Int64(limit) else { return }
        try db.execute("""
            INSERT OR IGNORE INTO dedup_keys_middle(key, seq, pos) SELECT key, seq, pos FROM dedup_keys_recent ORDER BY key, seq;
            DELETE FROM dedup_keys_recent;
            """)
        guard try db.int("SELECT count(*) FROM dedup_keys_middle") ?? 0 >= Int64(middleLimit) else { return }
        try db.execute("""
            INSERT OR IGNORE INTO dedup_keys(key, seq, pos) SELECT key, seq, pos FROM dedup_keys_middle ORDER BY key, seq;
            DELETE FROM dedup_keys_middle;
            """)
    }

    /// Schema step 13: story vectors move to a table of their own, and story postings get an index by item,
    /// so that both can be dropped once older than the story window (`pruneStoryIndex`): a lookup never reads
    /// them, and in `dedup_items` a vector (~700 bytes) sat beside the fingerprint that near-duplicate
    /// lookups do read, at any age. Vectors registered before stay in `dedup_items.terms`.
    static let storyWindowTables = """
        CREATE TABLE IF NOT EXISTS story_vectors(seq INTEGER PRIMARY KEY, terms BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS story_terms_by_seq ON story_terms(seq);
        """

    static let dedupColumns = "item_id, root, story, keys"

    private static func dedupEntry(row: [SQLValue]) -> DedupEntry {
        var keys: [Int64] = []
        if case .blob(let b) = row[3] { keys = int64s(b) }
        return DedupEntry(itemID: row[0].text ?? "", root: row[1].text ?? "", story: row[2].text ?? "", keys: keys)
    }

    /// Little-endian 64-bit integers, 8 bytes each: the `keys` column.
    static func int64Blob(_ values: [Int64]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 8)
        for v in values { Bytes.appendLittleEndian(UInt64(bitPattern: v), to: &out) }
        return out
    }

    static func int64s(_ b: [UInt8]) -> [Int64] {
        (0..<(b.count / 8)).map { Int64(bitPattern: Bytes.littleEndianUInt64(b, at: $0 * 8)) }
    }

    static func jsonArray(_ values: [Int64]) -> String { JSONText.integerArray(values) }
}

extension ItemStore: DedupStorage {
    public func addTransactionObserver(_ observer: TransactionObserver) {
        observers.append(WeakObserver(observer: observer))
    }

    public func nearDuplicateCandidates(keys: [Int64], perKeyLimit: Int) throws(StoreError) -> [Int64: Int] {
        var seqs: [Int64: Int] = [:]
        for key in keys {
            // The three tables, newest first: SQLite merges the index scans (no sort).
            try db.forEachRow("""
                SELECT seq FROM dedup_keys_recent WHERE key = ?1 UNION ALL SELECT seq FROM dedup_keys_middle WHERE key = ?1
                UNION ALL SELECT seq FROM dedup_keys WHERE key = ?1 ORDER BY seq DESC LIMIT ?2
                """, [.integer(key), .integer(Int64(perKeyLimit))]) { seqs[$0.int64(0), default: 0] += 1 }
        }
        return seqs
    }

    public func dedupEntry(seq: Int64) throws(StoreError) -> DedupEntry? {
        try db.query("SELECT \(Self.dedupColumns) FROM dedup_items WHERE seq = ?", [.integer(seq)]).first.map(Self.dedupEntry(row:))
    }

    public func dedupEntry(itemID: String) throws(StoreError) -> DedupEntry? {
        try db.query("SELECT \(Self.dedupColumns) FROM dedup_items WHERE item_id = ?", [.text(itemID)]).first.map(Self.dedupEntry(row:))
    }

    /// Constant time, unlike count(*).
    public func newestDedupSeq() throws(StoreError) -> Int64 {
        try db.int("SELECT max(seq) FROM dedup_items") ?? 0
    }

    public func firstDedupSeq(since fetched: Int) throws(StoreError) -> Int64 {
        if let s = try db.int("SELECT seq FROM dedup_items WHERE fetched >= ? ORDER BY fetched, seq LIMIT 1",
                              [.integer(Int64(fetched))]) {
            return s
        }
        return Int64.max
    }

    public func forEachStoryPosting(term: Int64, sinceSeq: Int64?, limit: Int, _ body: (Int64) -> Void) throws(StoreError) {
        if let sinceSeq {
            try db.forEachRow("SELECT seq FROM story_terms WHERE term = ? AND seq >= ? ORDER BY seq DESC LIMIT ?",
                              [.integer(term), .integer(sinceSeq), .integer(Int64(limit))]) { body($0.int64(0)) }
        } else {
            try db.forEachRow("SELECT seq FROM story_terms WHERE term = ? ORDER BY seq DESC LIMIT ?",
                              [.integer(term), .integer(Int64(limit))]) { body($0.int64(0)) }
        }
    }

    public func storyVector(seq: Int64) throws(StoreError) -> (story: String, vector: StoredStoryVector)? {
        var found: (String, StoredStoryVector)?
        try db.forEachRow("""
            SELECT d.story, coalesce(v.terms, d.terms) FROM dedup_items d LEFT JOIN story_vectors v ON v.seq = d.seq WHERE d.seq = ?
            """, [.integer(seq)]) { row in
            let story = row.withText(0) { String(decoding: $0, as: UTF8.self) }
            found = (story, row.isBlob(1) ? .encoded(row.withBlob(1) { Array($0) })
                                          : .text(row.withText(1) { String(decoding: $0, as: UTF8.self) }))
        }
        return found
    }

    public func forEachDocumentFrequency(terms: [Int64], _ body: (Int64, Int) -> Void) throws(StoreError) {
        try db.forEachRow("SELECT term, df FROM story_df WHERE term IN (SELECT value FROM json_each(?))",
                          [.text(Self.jsonArray(terms))]) { row in body(row.int64(0), Int(row.int64(1))) }
    }

    public func insertDedupEntry(_ e: DedupEntry, vector: [UInt8], indexedKeys: Int, fetched: Int) throws(StoreError) -> Int64? {
        try db.query("""
            INSERT OR IGNORE INTO dedup_items(item_id, root, story, fetched, key_count, terms, keys) VALUES(?,?,?,?,?,?,?)
            """, [.text(e.itemID), .text(e.root), .text(e.story), .integer(Int64(fetched)), .integer(Int64(e.keys.count)),
                  .blob([]), .blob(Self.int64Blob(e.keys))])
        guard db.changes > 0 else { return nil }
        let seq = db.lastInsertRowID
        try db.query("INSERT INTO story_vectors(seq, terms) VALUES(?, ?)", [.integer(seq), .blob(vector)])
        // One statement per table, the values as a JSON array (json_each's `key` is the index: the key's rank).
        try db.query("INSERT OR IGNORE INTO dedup_keys_recent(key, seq, pos) SELECT value, ?, key FROM json_each(?)",
                     [.integer(seq), .text(Self.jsonArray(Array(e.keys.prefix(indexedKeys))))])
        return seq
    }

    public func insertStoryPostings(seq: Int64, terms: [Int64]) throws(StoreError) {
        try db.query("INSERT OR IGNORE INTO story_terms(term, seq) SELECT value, ? FROM json_each(?)",
                     [.integer(seq), .text(Self.jsonArray(terms))])
    }

    public func pruneStoryIndex(before fetched: Int, limit: Int) throws(StoreError) -> Int {
        let bound = try firstDedupSeq(since: fetched)
        try db.query("""
            DELETE FROM story_vectors WHERE seq IN (SELECT seq FROM story_vectors WHERE seq < ? ORDER BY seq LIMIT ?)
            """, [.integer(bound), .integer(Int64(limit))])
        let vectors = db.changes
        try db.query("""
            DELETE FROM story_terms WHERE (term, seq) IN
                (SELECT term, seq FROM story_terms INDEXED BY story_terms_by_seq WHERE seq < ? ORDER BY seq LIMIT ?)
            """, [.integer(bound), .integer(Int64(limit))])
        return vectors + db.changes
    }

    /// One statement, terms in key order.
    public func addDocumentFrequencies(_ counts: [(term: Int64, count: Int)]) throws(StoreError) {
        guard !counts.isEmpty else { return }
        // One array of [term, count] pairs (two arrays joined on their index made a nested loop: json_each has
        // no index).
        var pairs = "["
        for (i, p) in counts.sorted(by: { $0.term < $1.term }).enumerated() {
            if i > 0 { pairs += "," }
            pairs += Self.jsonArray([p.term, Int64(p.count)])
        }
        try db.query("""
            INSERT INTO story_df(term, df) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
            WHERE true ON CONFLICT(term) DO UPDATE SET df = df + excluded.df
            """, [.text(pairs + "]")])
    }
}
