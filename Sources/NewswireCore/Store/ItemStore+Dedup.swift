import Foundation

/// One item as the near-duplicate index and the story clusterer know it.
public struct DedupEntry: Sendable, Equatable {
    public var itemID: String
    /// The first archived copy of this text (the item itself when it is an original).
    public var root: String
    public var story: String
    /// How many sampled shingles its fingerprint has.
    public var keyCount: Int
    /// Its story vector: `StoryClusterer.Vector.encoded` (a store written before it may hold the older text
    /// form, which `StoryClusterer.Vector(stored:)` reads too).
    public var terms: SQLValue
}

/// Schema 4: the near-duplicate index and the story clusters.
///
/// - `dedup_items`: one row per registered item (root, story, first-seen time, fingerprint size, story vector).
/// - `dedup_keys`: sampled lead shingle → item (`seq` of `dedup_items`) and its rank in the lead; primary key
///   (key, seq), so a lookup reads the newest postings of one key from the index.
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

    /// What an indexed item shares with a fingerprint: how many sampled shingles, and the rank of the first
    /// shared one in the item and in the fingerprint.
    public struct SharedKeys: Sendable, Equatable {
        public var count = 0
        public var firstPosition = Int.max
        public var firstOwnPosition = Int.max
    }

    /// For each item sharing sampled shingles with `keys` (at most `perKeyLimit` newest per shingle).
    public func nearDuplicateCandidates(keys: [NearDuplicateKey], perKeyLimit: Int) throws(StoreError) -> [Int64: SharedKeys] {
        var shared: [Int64: SharedKeys] = [:]
        for key in keys {
            try db.forEachRow("SELECT seq, pos FROM dedup_keys WHERE key = ? ORDER BY seq DESC LIMIT ?",
                              [.integer(key.hash), .integer(Int64(perKeyLimit))]) { row in
                let seq = row.int64(0)
                var s = shared[seq] ?? SharedKeys()
                s.count += 1
                s.firstPosition = min(s.firstPosition, Int(row.int64(1)))
                s.firstOwnPosition = min(s.firstOwnPosition, key.position)
                shared[seq] = s
            }
        }
        return shared
    }

    static let dedupColumns = "item_id, root, story, key_count, terms"

    private static func dedupEntry(row: [SQLValue]) -> DedupEntry {
        DedupEntry(itemID: row[0].text ?? "", root: row[1].text ?? "", story: row[2].text ?? "",
                   keyCount: Int(row[3].int ?? 0), terms: row[4])
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

    /// Hands `body` the items with `term` registered at or after `sinceSeq`, newest first, at most `limit`.
    public func forEachStoryPosting(term: Int64, sinceSeq: Int64, limit: Int,
                                    _ body: (Int64) -> Void) throws(StoreError) {
        try db.forEachRow("SELECT seq FROM story_terms WHERE term = ? AND seq >= ? ORDER BY seq DESC LIMIT ?",
                          [.integer(term), .integer(sinceSeq), .integer(Int64(limit))]) { body($0.int64(0)) }
    }

    /// Registers an item with its fingerprint keys and story terms (once: a second registration is ignored):
    /// `terms` count towards their document frequency, `postings` (nil: all of `terms`) get a `story_terms` row.
    public func registerDedup(_ e: DedupEntry, keys: [NearDuplicateKey], terms: [Int64], postings: [Int64]? = nil,
                              fetched: Int) throws(StoreError) {
        try db.query("""
            INSERT OR IGNORE INTO dedup_items(item_id, root, story, fetched, key_count, terms) VALUES(?,?,?,?,?,?)
            """, [.text(e.itemID), .text(e.root), .text(e.story), .integer(Int64(fetched)), .integer(Int64(e.keyCount)),
                  e.terms])
        guard db.changes > 0 else { return }
        let seq = db.lastInsertRowID
        // One statement per table, the values as a JSON array (json_each's `key` is the index: the key's rank).
        try db.query("INSERT OR IGNORE INTO dedup_keys(key, seq, pos) SELECT value, ?, key FROM json_each(?)",
                     [.integer(seq), .text(Self.jsonArray(keys.map(\.hash)))])
        guard !terms.isEmpty else { return }
        let termList = SQLValue.text(Self.jsonArray(terms))
        let postingList = postings.map { SQLValue.text(Self.jsonArray($0)) } ?? termList
        try db.query("INSERT OR IGNORE INTO story_terms(term, seq) SELECT value, ? FROM json_each(?)", [.integer(seq), postingList])
        try db.query("""
            INSERT INTO story_df(term, df) SELECT value, 1 FROM json_each(?) WHERE true
            ON CONFLICT(term) DO UPDATE SET df = df + 1
            """, [termList])
    }

    /// Document frequencies of `terms` (absent terms: 0), in one statement.
    public func storyDocumentFrequencies(terms: [Int64]) throws(StoreError) -> [Int64: Int] {
        var df: [Int64: Int] = [:]
        try db.forEachRow("SELECT term, df FROM story_df WHERE term IN (SELECT value FROM json_each(?))",
                          [.text(Self.jsonArray(terms))]) { row in df[row.int64(0)] = Int(row.int64(1)) }
        return df
    }

    /// `[1,-2,3]`: a list of integers for `json_each`.
    static func jsonArray(_ values: [Int64]) -> String {
        var s = "["
        for (i, v) in values.enumerated() {
            if i > 0 { s += "," }
            s += String(v)
        }
        return s + "]"
    }
}
