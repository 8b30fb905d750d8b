import Foundation

/// Schema step 3, the transactions and `PipelineStorage` / `ArchiveStorage`: items, their sightings, and the
/// items not yet confirmed in the archive, as in the SQLite store (times as the archive's ISO 8601 text, so a
/// record reads back exactly as it was written). Full-text search comes with the search commands.
extension PostgresStore {
    static let itemsSchema = """
        CREATE TABLE items(
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            feed_url text NOT NULL,
            guid text,
            url text,
            title text,
            published text,
            fetched text NOT NULL,
            author text,
            categories text NOT NULL,
            summary text,
            content text,
            relevant integer NOT NULL,
            relevance double precision NOT NULL,
            topics text NOT NULL,
            near_duplicate_of text,
            revision_of text,
            story text,
            language text
        );
        CREATE INDEX items_by_feed ON items(feed_url, seq);
        CREATE TABLE sightings(
            item_seq bigint NOT NULL REFERENCES items(seq),
            feed_url text NOT NULL,
            guid text NOT NULL DEFAULT '',
            url text,
            first_seen text NOT NULL,
            last_seen text NOT NULL,
            count integer NOT NULL DEFAULT 1,
            PRIMARY KEY(item_seq, feed_url, guid)
        );
        CREATE INDEX sightings_by_guid ON sightings(feed_url, guid);
        CREATE TABLE archive_pending(seq bigint PRIMARY KEY);
        """

    /// A row of `ItemStore.recordColumns` as the SQLite store's values, so both stores read a record the
    /// same way (`ItemStore.record(row:)`).
    static func recordValues(_ row: [String?]) -> [SQLValue] {
        row.enumerated().map { i, v in
            guard let v else { return .null }
            switch i {
            case 11: return Int64(v).map(SQLValue.integer) ?? .null
            case 12: return Double(v).map(SQLValue.real) ?? .null
            default: return .text(v)
            }
        }
    }

    // MARK: Transactions

    private func notify(_ body: (TransactionObserver) throws(StoreError) -> Void) throws(StoreError) {
        for o in observers { if let observer = o.observer { try body(observer) } }
    }

    private func begin() throws(StoreError) {
        try db.execute("BEGIN")
        openTransaction = true
        holdsStoreLock = false
        // The store's version as last seen: whether another node stored items since is known once the
        // transaction holds `storeLock`, before its first entry (`savepoint`).
        try? notify { $0.transactionDidBegin(dataVersion: storeVersion) }
    }

    private func commit() throws(StoreError) {
        var version: Int64?
        do throws(StoreError) {
            // `COMMIT` of a failed block answers success and rolls back; after a reconnection there is no block.
            guard db.transactionUsable else {
                throw StoreError(path: name, message: "the transaction failed or its connection was lost: nothing of it was committed")
            }
            try notify { o throws(StoreError) in try o.transactionWillCommit() }
            if holdsStoreLock {
                version = (try db.query("UPDATE store_version SET n = n + 1 RETURNING n").first?.first ?? nil).flatMap { Int64($0) }
            }
            try db.execute("COMMIT")
        } catch {
            rollback()
            throw error
        }
        openTransaction = false
        if let version { storeVersion = version }
        try? notify { $0.transactionDidEnd(committed: true) }
    }

    private func rollback() {
        try? db.execute("ROLLBACK")
        openTransaction = false
        try? notify { $0.transactionDidEnd(committed: false) }
    }
}

extension PostgresStore: PipelineStorage {
    public func beginBatch() throws(StoreError) { try begin() }
    public func commitBatch() throws(StoreError) { try commit() }
    public func rollbackBatch() { rollback() }

    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        if openTransaction, !holdsStoreLock {
            // Waits for another node's batch to commit; then this transaction's statements see its items.
            try db.query("SELECT pg_advisory_xact_lock(\(Self.clusterLock(Self.storeLock)))")
            holdsStoreLock = true
            // Another node stored items since this one's last commit: the dedup caches start afresh.
            let current = (try db.query("SELECT n FROM store_version").first?.first ?? nil).flatMap { Int64($0) } ?? -2
            if current != storeVersion {
                storeVersion = current
                try? notify { $0.transactionDidBegin(dataVersion: current) }
            }
        }
        try db.execute("SAVEPOINT entry")
        try? notify { $0.savepointDidBegin() }
        do {
            let value = try body()
            try db.execute("RELEASE SAVEPOINT entry")
            try? notify { $0.savepointDidEnd(committed: true) }
            return value
        } catch {
            try? db.execute("ROLLBACK TO SAVEPOINT entry; RELEASE SAVEPOINT entry")
            try? notify { $0.savepointDidEnd(committed: false) }
            throw error
        }
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try begin()
        do {
            let value = try body()
            try commit()
            return value
        } catch {
            if openTransaction { rollback() }
            throw error
        }
    }

    public func containsItem(id: String) throws(StoreError) -> Bool {
        try !db.query("SELECT 1 FROM items WHERE id = $1", [id]).isEmpty
    }

    public func itemID(feedURL: String, guid: String) throws(StoreError) -> String? {
        try db.query("""
            SELECT i.id FROM sightings s JOIN items i ON i.seq = s.item_seq WHERE s.feed_url = $1 AND s.guid = $2
            ORDER BY i.seq DESC LIMIT 1
            """, [feedURL, guid]).first?.first ?? nil
    }

    /// The item and its `archive_pending` entry, together (in a savepoint of their own outside a transaction).
    public func insertItem(_ r: ArchiveRecord, language: String?) throws(StoreError) {
        let statement = """
            WITH item AS (
                INSERT INTO items(id, feed_url, guid, url, title, published, fetched, author, categories, summary,
                                  content, relevant, relevance, topics, near_duplicate_of, revision_of, story, language)
                VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING seq
            )
            INSERT INTO archive_pending(seq) SELECT seq FROM item
            """
        try db.query(statement, [
            r.id, r.feed, r.guid, r.url, r.title, r.published.map(ISOTime.format), ISOTime.format(r.fetched), r.author,
            ItemStore.stringsJSON(r.categories), r.summary, r.content, r.relevant ? "1" : "0", "\(r.relevance)",
            ArchiveRecord.topicsJSON(r.topics), r.nearDuplicateOf, r.revisionOf, r.story, language,
        ])
    }

    public func recordSighting(itemID: String, feedURL: String, guid: String?, url: String?, at time: Date) throws(StoreError) {
        let t = ISOTime.format(time)
        try db.query("""
            INSERT INTO sightings(item_seq, feed_url, guid, url, first_seen, last_seen)
            SELECT seq, $1, $2, $3, $4, $4 FROM items WHERE id = $5
            ON CONFLICT(item_seq, feed_url, guid) DO UPDATE SET last_seen = excluded.last_seen,
                count = sightings.count + 1, url = coalesce(excluded.url, sightings.url)
            """, [feedURL, guid ?? "", url, t, itemID])
    }
}

extension PostgresStore: StatusStorage {
    public func itemCount() throws(StoreError) -> Int {
        (try db.query("SELECT count(*) FROM items").first?.first ?? nil).flatMap { Int($0) } ?? 0
    }

    public func itemsPerDay(limit: Int) throws(StoreError) -> [(day: String, items: Int, relevant: Int)] {
        try db.query("""
            SELECT substr(fetched COLLATE "C", 1, 10) AS day, count(*), sum(relevant) FROM items
            GROUP BY day ORDER BY day DESC LIMIT $1
            """, [String(limit)]).map { ($0[0] ?? "", Int($0[1] ?? "") ?? 0, Int($0[2] ?? "") ?? 0) }
    }

    public func hasItems() throws(StoreError) -> Bool {
        try db.query("SELECT EXISTS(SELECT 1 FROM items)").first?.first == "t"
    }

    public func itemCount(since time: Date) throws(StoreError) -> Int {
        // ISO 8601 in UTC with a fixed width sorts as text in time order, as in the SQLite store.
        let rows = try db.query("SELECT count(*) FROM items WHERE fetched COLLATE \"C\" >= $1", [ISOTime.format(time)])
        return (rows.first?.first ?? nil).flatMap { Int($0) } ?? 0
    }

    public func lastItem() throws(StoreError) -> (title: String?, fetched: Date)? {
        try db.query("SELECT title, fetched FROM items ORDER BY seq DESC LIMIT 1").first.map {
            ($0[0], $0[1].flatMap(ISOTime.parse) ?? Date(timeIntervalSince1970: 0))
        }
    }
}

extension PostgresStore: ArchiveStorage {
    public func unarchivedItems() throws(StoreError) -> [ArchiveRecord] {
        try db.query("SELECT \(ItemStore.recordColumns) FROM items WHERE seq IN (SELECT seq FROM archive_pending) ORDER BY seq")
            .map { ItemStore.record(row: Self.recordValues($0)) }
    }

    /// PostgreSQL keeps each item's text in its row, so where its line is does not matter here.
    public func markArchived(_ lines: [ArchivedLine]) throws(StoreError) {
        try db.query("""
            DELETE FROM archive_pending WHERE seq IN (SELECT seq FROM items WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)))
            """, [ItemStore.stringsJSON(lines.map(\.id))])
    }
}
