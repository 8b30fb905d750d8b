import Foundation

/// Schema step 2 and `DedupStorage`: the near-duplicate and story indexes, the same tables as the SQLite
/// store's (ItemStore+Dedup.swift) without its staging tables for postings. Writes commit one statement at a
/// time for now (`inTransaction` is false, so `DedupIndex` writes document frequencies at once); the
/// pipeline's transactions come with `PipelineStorage`.
extension PostgresStore {
    static let dedupSchema = """
        CREATE TABLE dedup_items(
            seq bigint PRIMARY KEY,
            item_id text NOT NULL UNIQUE,
            root text NOT NULL,
            story text NOT NULL,
            fetched bigint NOT NULL,
            key_count integer NOT NULL,
            terms bytea NOT NULL,
            keys bytea
        );
        CREATE INDEX dedup_items_fetched ON dedup_items(fetched, seq);
        CREATE TABLE dedup_keys(key bigint NOT NULL, seq bigint NOT NULL, pos integer NOT NULL, PRIMARY KEY(key, seq));
        CREATE TABLE story_terms(term bigint NOT NULL, seq bigint NOT NULL, PRIMARY KEY(term, seq));
        CREATE TABLE story_df(term bigint PRIMARY KEY, df bigint NOT NULL);
        """

    /// A bytea in libpq's text format: `\\x` and two hex digits a byte.
    static func byteaText(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + 2 * bytes.count)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a bytea read in text format (`\\x…`); nil for anything else.
    static func bytes(fromByteaText text: String?) -> [UInt8]? {
        guard let u = text?.utf8, u.count >= 2, u.first == UInt8(ascii: "\\"), u.dropFirst().first == UInt8(ascii: "x") else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((u.count - 2) / 2)
        var high: UInt8?
        for c in u.dropFirst(2) {
            guard let n = nibble(c) else { return nil }
            if let h = high { out.append(h << 4 | n); high = nil } else { high = n }
        }
        return high == nil ? out : nil
    }

    /// An integer array parameter: `{1,2,3}`.
    static func arrayText(_ values: [Int64]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }

    static func dedupEntry(row: [String?]) -> DedupEntry {
        let keys = bytes(fromByteaText: row[3]).map(ItemStore.int64s) ?? []
        return DedupEntry(itemID: row[0] ?? "", root: row[1] ?? "", story: row[2] ?? "", keys: keys)
    }
}

extension PostgresStore: DedupStorage {
    /// False as soon as the server's transaction is gone or failed (a lost connection, an error outside a
    /// savepoint): the pipeline then rolls its batch back, as it does when SQLite rolls a transaction back.
    public var inTransaction: Bool { openTransaction && db.transactionUsable }

    public func addTransactionObserver(_ observer: TransactionObserver) {
        observers.append(ItemStore.WeakObserver(observer: observer))
    }

    public func nearDuplicateCandidates(keys: [Int64], perKeyLimit: Int) throws(StoreError) -> [Int64: Int] {
        // One statement for all keys (a key given twice counts twice, as a lookup per key would).
        var seqs: [Int64: Int] = [:]
        for row in try db.query("""
            SELECT p.seq, count(*) FROM unnest($1::bigint[]) AS k(key)
            CROSS JOIN LATERAL (SELECT seq FROM dedup_keys WHERE key = k.key ORDER BY seq DESC LIMIT $2) p GROUP BY p.seq
            """, [Self.arrayText(keys), String(perKeyLimit)]) {
            if let seq = row[0].flatMap({ Int64($0) }), let n = row[1].flatMap({ Int($0) }) { seqs[seq] = n }
        }
        return seqs
    }

    public func dedupEntry(seq: Int64) throws(StoreError) -> DedupEntry? {
        try db.query("SELECT item_id, root, story, keys FROM dedup_items WHERE seq = $1", [String(seq)]).first.map(Self.dedupEntry(row:))
    }

    public func dedupEntry(itemID: String) throws(StoreError) -> DedupEntry? {
        try db.query("SELECT item_id, root, story, keys FROM dedup_items WHERE item_id = $1", [itemID]).first.map(Self.dedupEntry(row:))
    }

    public func newestDedupSeq() throws(StoreError) -> Int64 {
        try db.query("SELECT coalesce(max(seq), 0) FROM dedup_items").first?.first.flatMap { $0.flatMap { Int64($0) } } ?? 0
    }

    public func firstDedupSeq(since fetched: Int) throws(StoreError) -> Int64 {
        try db.query("SELECT seq FROM dedup_items WHERE fetched >= $1 ORDER BY fetched, seq LIMIT 1", [String(fetched)])
            .first?.first.flatMap { $0.flatMap { Int64($0) } } ?? Int64.max
    }

    public func forEachStoryPosting(term: Int64, sinceSeq: Int64?, limit: Int, _ body: (Int64) -> Void) throws(StoreError) {
        let rows = try db.query("""
            SELECT seq FROM story_terms WHERE term = $1 AND seq >= $2 ORDER BY seq DESC LIMIT $3
            """, [String(term), String(sinceSeq ?? Int64.min), String(limit)])
        for row in rows { if let seq = row[0].flatMap({ Int64($0) }) { body(seq) } }
    }

    public func storyPostings(terms: [Int64], limit: Int) throws(StoreError) -> [Int64: [Int64]] {
        var lists: [Int64: [Int64]] = [:]
        for row in try db.query("""
            SELECT t.term, p.seq FROM unnest($1::bigint[]) AS t(term)
            CROSS JOIN LATERAL (SELECT seq FROM story_terms WHERE term = t.term ORDER BY seq DESC LIMIT $2) p
            """, [Self.arrayText(terms), String(limit)]) {
            if let term = row[0].flatMap({ Int64($0) }), let seq = row[1].flatMap({ Int64($0) }) { lists[term, default: []].append(seq) }
        }
        for (term, seqs) in lists { lists[term] = seqs.sorted(by: >) }
        return lists
    }

    public func storyVector(seq: Int64) throws(StoreError) -> (story: String, vector: StoredStoryVector)? {
        guard let row = try db.query("SELECT story, terms FROM dedup_items WHERE seq = $1", [String(seq)]).first else { return nil }
        return (row[0] ?? "", .encoded(Self.bytes(fromByteaText: row[1]) ?? []))
    }

    public func storyVectors(seqs: [Int64]) throws(StoreError) -> [Int64: (story: String, vector: StoredStoryVector)] {
        var found: [Int64: (story: String, vector: StoredStoryVector)] = [:]
        for row in try db.query("SELECT seq, story, terms FROM dedup_items WHERE seq = ANY($1::bigint[])", [Self.arrayText(seqs)]) {
            if let seq = row[0].flatMap({ Int64($0) }) { found[seq] = (row[1] ?? "", .encoded(Self.bytes(fromByteaText: row[2]) ?? [])) }
        }
        return found
    }

    public func forEachDocumentFrequency(terms: [Int64], _ body: (Int64, Int) -> Void) throws(StoreError) {
        for row in try db.query("SELECT term, df FROM story_df WHERE term = ANY($1::bigint[])", [Self.arrayText(terms)]) {
            if let term = row[0].flatMap({ Int64($0) }), let df = row[1].flatMap({ Int($0) }) { body(term, df) }
        }
    }

    /// Numbered like SQLite's AUTOINCREMENT: one more than the newest, and none used up by an item registered
    /// already (a sequence would skip numbers on every conflict, and the newest number is the store's item
    /// count in every story idf). One writer at a time, until leases and the store-phase lock arrive.
    public func insertDedupEntry(_ e: DedupEntry, vector: [UInt8], indexedKeys: Int, fetched: Int) throws(StoreError) -> Int64? {
        // The entry and its key postings in one statement.
        let rows = try db.query("""
            WITH entry AS (
                INSERT INTO dedup_items(seq, item_id, root, story, fetched, key_count, terms, keys)
                SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4, $5, $6::bytea, $7::bytea FROM dedup_items
                ON CONFLICT (item_id) DO NOTHING RETURNING seq),
            postings AS (
                INSERT INTO dedup_keys(key, seq, pos)
                SELECT k, entry.seq, o - 1 FROM entry, unnest($8::bigint[]) WITH ORDINALITY AS t(k, o)
                ON CONFLICT DO NOTHING)
            SELECT seq FROM entry
            """, [e.itemID, e.root, e.story, String(fetched), String(e.keys.count), Self.byteaText(vector),
                  Self.byteaText(ItemStore.int64Blob(e.keys)), Self.arrayText(Array(e.keys.prefix(indexedKeys)))])
        return rows.first?.first.flatMap { $0.flatMap { Int64($0) } }
    }

    public func insertStoryPostings(seq: Int64, terms: [Int64]) throws(StoreError) {
        try db.query("INSERT INTO story_terms(term, seq) SELECT t, $2 FROM unnest($1::bigint[]) AS t ON CONFLICT DO NOTHING",
                     [Self.arrayText(terms), String(seq)])
    }

    public func addDocumentFrequencies(_ counts: [(term: Int64, count: Int)]) throws(StoreError) {
        guard !counts.isEmpty else { return }
        let sorted = counts.sorted { $0.term < $1.term }  // one lock order for every writer
        try db.query("""
            INSERT INTO story_df(term, df) SELECT * FROM unnest($1::bigint[], $2::bigint[])
            ON CONFLICT (term) DO UPDATE SET df = story_df.df + excluded.df
            """, [Self.arrayText(sorted.map(\.term)), Self.arrayText(sorted.map { Int64($0.count) })])
    }
}
