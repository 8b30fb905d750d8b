import Foundation

/// The content-hash store: feeds and their HTTP/schedule state, unique items keyed by content hash,
/// and every sighting of an item. SQLite in WAL mode, one file under the state directory.
///
/// Not thread-safe: one owner uses it from one thread (the daemon's pipeline thread, or a command).
public final class ItemStore {
    public static let fileName = "newswired.sqlite3"
    static var schemaVersion: Int { migrator.latestVersion }
    /// SQLite's page cache for the writer (its default is 2 MB): the hash and near-duplicate indexes of a
    /// large store stay in memory instead of being read back page by page. It is the largest part of the
    /// daemon's 64 MiB memory budget, and sized so that a busy pass's peak stays within it.
    static let pageCacheKiB = 12_288
    /// WAL pages (4 KiB) between automatic checkpoints: up to ~200 MB of WAL on disk during a busy pass.
    static let walCheckpointPages = 50_000
    /// Bytes the WAL file keeps once a checkpoint lets it restart.
    static let walSizeLimit = 64 << 20

    let db: SQLiteConnection
    public let path: String
    /// The archive's day files beside the store: archived items' text is read from their lines (schema 12).
    let archiveDirectory: URL
    /// The first item inserted in the open transaction and not yet in the full-text index (see `insertItem`).
    private var unindexedFrom: Int64?
    /// What keeps state in step with this connection's write transactions (the dedup caches).
    var observers: [WeakObserver] = []
    struct WeakObserver {
        weak var observer: TransactionObserver?
    }

    /// Opens (creating when needed) the store under `stateDirectory`.
    public init(stateDirectory: URL, readOnly: Bool = false) throws(StoreError) {
        let dir = stateDirectory.path
        if !readOnly {
            do {
                try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
            } catch {
                throw StoreError(path: dir, message: "cannot create the state directory: \(error.localizedDescription)")
            }
        }
        path = stateDirectory.appendingPathComponent(Self.fileName).path
        archiveDirectory = stateDirectory.appendingPathComponent("archive", isDirectory: true)
        db = try SQLiteConnection(path: path, readOnly: readOnly)
        if !readOnly {
            // A checkpoint copies each page of the WAL into the database file once, however often commits
            // rewrote it, then fsyncs: every `walCheckpointPages` (SQLite's default is 1,000) rather than after
            // nearly every commit of a busy pass, since a batch's commit rewrites mostly the same index pages.
            // The WAL file is cut back to `walSizeLimit` when a checkpoint lets it restart.
            try db.execute("""
                PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;
                PRAGMA cache_size=-\(Self.pageCacheKiB); PRAGMA wal_autocheckpoint=\(Self.walCheckpointPages);
                PRAGMA journal_size_limit=\(Self.walSizeLimit);
                """)
            try Self.migrator.migrate(db, path: path)
        }
    }

    /// Every schema step, in order (`Migrator`): each says why it exists.
    static let migrator: Migrator = {
        var m = Migrator()
        m.register(1, sql: """
            CREATE TABLE feeds(
                url TEXT PRIMARY KEY,
                title TEXT,
                etag TEXT,
                last_modified TEXT,
                last_status INTEGER,
                last_error TEXT,
                last_fetch_at INTEGER,
                last_success_at INTEGER,
                last_new_item_at INTEGER,
                consecutive_errors INTEGER NOT NULL DEFAULT 0,
                next_due_at INTEGER,
                disabled INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE items(
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                feed_url TEXT NOT NULL,
                guid TEXT,
                url TEXT,
                title TEXT,
                published TEXT,
                fetched TEXT NOT NULL,
                author TEXT,
                categories TEXT NOT NULL,
                summary TEXT,
                content TEXT,
                relevant INTEGER NOT NULL,
                relevance REAL NOT NULL,
                topics TEXT NOT NULL,
                near_duplicate_of TEXT,
                revision_of TEXT,
                story TEXT,
                language TEXT,
                archived INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX items_unarchived ON items(seq) WHERE archived = 0;
            CREATE INDEX items_fetched ON items(fetched);
            CREATE TABLE sightings(
                item_id TEXT NOT NULL,
                feed_url TEXT NOT NULL,
                guid TEXT NOT NULL DEFAULT '',
                url TEXT,
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL,
                count INTEGER NOT NULL DEFAULT 1,
                PRIMARY KEY(item_id, feed_url, guid)
            ) WITHOUT ROWID;
            CREATE INDEX sightings_by_guid ON sightings(feed_url, guid);
            """)
        // What reading the archive needs: FTS5, the topic index, subscriptions (ItemStore+Schema2.swift).
        m.register(2, sql: ItemStore.schemaStep2)
        // Where a feed moved for good (301/308); requests go there from then on.
        m.register(3, sql: "ALTER TABLE feeds ADD COLUMN current_url TEXT;")
        // The near-duplicate index and the story clusters (ItemStore+Dedup.swift).
        m.register(4, sql: ItemStore.schemaStep4)
        // Steps 1 and 2, and 2 and 4, each indexed the same column: two indexes every insert kept up to date.
        // And new items reach the full-text index at the end of their transaction (`indexPending`), not
        // through a trigger per row: see `insertItem`.
        m.register(5, sql: """
            DROP INDEX IF EXISTS items_fetched; DROP INDEX IF EXISTS items_story;
            DROP TRIGGER IF EXISTS items_fts_insert;
            """)
        // Whole fingerprints with the item, the first 8 keys of each indexed (ItemStore+Dedup.swift).
        m.register(6) { db throws(StoreError) in try ItemStore.moveDedupKeysToBlobs(db) }
        // New near-duplicate postings go to a small table first and move to `dedup_keys` in bulk
        // (`mergeRecentDedupKeys`, ItemStore+Dedup.swift).
        m.register(7, sql: ItemStore.createRecentDedupKeys)
        // Items not yet confirmed in the archive are listed in `archive_pending` (see `insertItem`); the
        // `items.archived` column is no longer read or written.
        m.register(8, sql: """
            CREATE TABLE IF NOT EXISTS archive_pending(seq INTEGER PRIMARY KEY);
            INSERT OR IGNORE INTO archive_pending(seq) SELECT seq FROM items WHERE archived = 0;
            DROP INDEX IF EXISTS items_unarchived;
            """)
        m.register(9) { db throws(StoreError) in try ItemStore.keySightingsBySeq(db) }
        // Near-duplicate postings move from `dedup_keys_recent` to `dedup_keys` through a middle table, so the
        // big table's leaves are rewritten 16 times less often (`mergeRecentDedupKeys`).
        m.register(10, sql: ItemStore.createMiddleDedupKeys)
        // The webhook outbox and the stories each output alerted (ItemStore+Outputs.swift).
        m.register(11, sql: ItemStore.createOutbox)
        // An item's summary and content are kept once, in its archive line: in `archive_pending` until the line
        // is written, then `archive_lines` says where the line is; the full-text index keeps no text of its own.
        m.register(12) { db throws(StoreError) in try ItemStore.moveTextToTheArchive(db) }
        // Story vectors and postings that can be dropped once older than the story window (ItemStore+Dedup.swift).
        m.register(13, sql: ItemStore.storyWindowTables)
        // An item that is the only one of its story (the story's id is its own) is found by its id, not indexed by
        // story: that spares it an insert at a random place of an index as large as the store (`inStory`).
        m.register(14, sql: """
            DROP INDEX IF EXISTS items_by_story;
            CREATE INDEX items_by_story ON items(story) WHERE story <> id;
            """)
        return m
    }()

    /// Schema step 9: sightings keyed by the item's `seq` instead of its content hash, so a new item's sighting
    /// is appended at the end of the table rather than into a random leaf (see `recordSighting`). Rebuilds the
    /// table once, in `seq` order; a table already keyed by `seq` is left alone.
    private static func keySightingsBySeq(_ db: SQLiteConnection) throws(StoreError) {
        guard try db.int("SELECT count(*) FROM pragma_table_info('sightings') WHERE name = 'item_id'") == 1 else { return }
        try db.execute("""
            CREATE TABLE sightings_by_seq(
                item_seq INTEGER NOT NULL,
                feed_url TEXT NOT NULL,
                guid TEXT NOT NULL DEFAULT '',
                url TEXT,
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL,
                count INTEGER NOT NULL DEFAULT 1,
                PRIMARY KEY(item_seq, feed_url, guid)
            ) WITHOUT ROWID;
            INSERT INTO sightings_by_seq(item_seq, feed_url, guid, url, first_seen, last_seen, count)
                SELECT i.seq, s.feed_url, s.guid, s.url, s.first_seen, s.last_seen, s.count
                FROM sightings s JOIN items i ON i.id = s.item_id ORDER BY i.seq, s.feed_url, s.guid;
            DROP TABLE sightings;
            ALTER TABLE sightings_by_seq RENAME TO sightings;
            CREATE INDEX sightings_by_guid ON sightings(feed_url, guid);
            """)
    }

    /// Runs `body` as one transaction.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        defer { unindexedFrom = nil }
        do {
            let v = try db.transaction {
                try beginWrites()
                let v = try body()
                try writePending()
                return v
            }
            writesEnded(committed: true)
            return v
        } catch {
            writesEnded(committed: false)
            throw error
        }
    }

    /// A long write transaction that many units of work share (see `Pipeline`): one commit, one WAL append,
    /// for many feeds. `beginBatch` takes the write lock; `savepoint` undoes only its own unit on an error.
    public func beginBatch() throws(StoreError) {
        try db.execute("BEGIN IMMEDIATE")
        do {
            try beginWrites()
        } catch {
            rollbackBatch()  // not left open for a caller that saw the begin fail
            throw error
        }
    }
    public func commitBatch() throws(StoreError) {
        try writePending()
        try db.execute("COMMIT")
        writesEnded(committed: true)
    }
    public func rollbackBatch() {
        try? db.execute("ROLLBACK")
        unindexedFrom = nil
        writesEnded(committed: false)
    }
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        forEachObserver { $0.savepointDidBegin() }
        do {
            let v = try db.savepoint(body)
            forEachObserver { $0.savepointDidEnd(committed: true) }
            return v
        } catch {
            forEachObserver { $0.savepointDidEnd(committed: false) }
            throw error
        }
    }

    private func forEachObserver(_ body: (TransactionObserver) -> Void) {
        for o in observers { if let observer = o.observer { body(observer) } }
    }

    /// At the start of a write transaction: the observers learn whether another connection committed since.
    private func beginWrites() throws(StoreError) {
        let version = try db.int("PRAGMA data_version") ?? 0
        forEachObserver { $0.transactionDidBegin(dataVersion: version) }
    }

    private func writesEnded(committed: Bool) {
        forEachObserver { $0.transactionDidEnd(committed: committed) }
    }

    /// What the transaction keeps in memory until its end: the full-text index entries of its new items and
    /// what the observers hold (the document-frequency increments); and, once enough have gathered, the move
    /// of recent near-duplicate postings into their main table.
    private func writePending() throws(StoreError) {
        try indexPending()
        for o in observers { try o.observer?.transactionWillCommit() }
        try mergeRecentDedupKeys()
    }
    /// A transaction is open on this connection (SQLite ends one by itself after some I/O errors).
    public var inTransaction: Bool { db.inTransaction }

    /// Copies what the WAL holds into the database file without waiting for readers (a passive checkpoint),
    /// so the WAL can restart from its beginning. The daemon calls it when a round of fetches stored
    /// something: the automatic checkpoint waits for `walCheckpointPages`, which a quiet daemon takes days to
    /// write, and readers would search a WAL of up to ~200 MB meanwhile. Returns the WAL's frames and how many
    /// of them are now in the database file (fewer when a reader still uses older ones).
    @discardableResult
    public func checkpoint() throws(StoreError) -> (walFrames: Int, checkpointed: Int) {
        let row = try db.query("PRAGMA wal_checkpoint(PASSIVE)").first ?? []
        return (Int(row.count > 1 ? row[1].int ?? 0 : 0), Int(row.count > 2 ? row[2].int ?? 0 : 0))
    }

    // MARK: Feeds

    public func feedState(url: String) throws(StoreError) -> FeedState? {
        try db.query("""
            SELECT url, title, etag, last_modified, last_status, last_error, last_fetch_at, last_success_at,
                   last_new_item_at, consecutive_errors, next_due_at, disabled, current_url FROM feeds WHERE url = ?
            """, [.text(url)]).first.map(FeedState.init(row:))
    }

    public func allFeedStates() throws(StoreError) -> [FeedState] {
        try db.query("""
            SELECT url, title, etag, last_modified, last_status, last_error, last_fetch_at, last_success_at,
                   last_new_item_at, consecutive_errors, next_due_at, disabled, current_url FROM feeds ORDER BY url
            """).map(FeedState.init(row:))
    }

    public func saveFeedState(_ s: FeedState) throws(StoreError) {
        try db.query("""
            INSERT INTO feeds(url, title, etag, last_modified, last_status, last_error, last_fetch_at,
                              last_success_at, last_new_item_at, consecutive_errors, next_due_at, disabled, current_url)
            VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(url) DO UPDATE SET \(feedStateUpsertAssignments)
            """, [.text(s.url), SQLValue(s.title), SQLValue(s.etag), SQLValue(s.lastModified), SQLValue(s.lastStatus),
                  SQLValue(s.lastError), SQLValue(s.lastFetchAt), SQLValue(s.lastSuccessAt), SQLValue(s.lastNewItemAt),
                  .integer(Int64(s.consecutiveErrors)), SQLValue(s.nextDueAt), SQLValue(s.disabled), SQLValue(s.currentURL)])
    }

    // MARK: Items

    public func containsItem(id: String) throws(StoreError) -> Bool {
        try db.int("SELECT 1 FROM items WHERE id = ?", [.text(id)]) != nil
    }

    /// The newest item this feed published under this GUID, if any.
    /// Asked for every new item, nearly always of a GUID never seen: the newest is picked here rather than by
    /// `ORDER BY ... LIMIT 1`, whose sorter cost more than the lookup itself (a GUID has one item or a few).
    public func itemID(feedURL: String, guid: String) throws(StoreError) -> String? {
        var newest: (seq: Int64, id: String)?
        try db.forEachRow("""
            SELECT i.seq, i.id FROM sightings s JOIN items i ON i.seq = s.item_seq WHERE s.feed_url = ? AND s.guid = ?
            """, [.text(feedURL), .text(guid)]) { row in
            let seq = row.int64(0)
            if newest == nil || seq > newest!.seq { newest = (seq, row.withText(1) { String(decoding: $0, as: UTF8.self) }) }
        }
        return newest?.id
    }

    /// Stores a new item. Inside a transaction its full-text index entry is written when the transaction
    /// commits (`indexPending`): FTS5 writes its pending entries out as a new segment at every savepoint,
    /// and each statement that may need undoing opens one, so indexing row by row in a long transaction made a
    /// tiny segment per item (and the merges that follow). Outside one it is indexed at once.
    ///
    /// The item is listed in `archive_pending` until `markArchived` confirms its archive line. Until schema 8
    /// that was a flag in the item's row, and setting it rewrote a whole page per item in a commit of its own.
    public func insertItem(_ r: ArchiveRecord, language: String?) throws(StoreError) {
        if db.inTransaction {
            let seq = try insertRow(r, language: language)
            unindexedFrom = min(unindexedFrom ?? seq, seq)
            return
        }
        // On its own: the row, its `archive_pending` entry and its full-text entry commit together (an item
        // committed without the entry would count as archived with no line written).
        do {
            try db.savepoint {
                let seq = try insertRow(r, language: language)
                try db.query(Self.ftsInsert + " = ?", [.integer(seq)])
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(path: path, message: "\(error)")
        }
    }

    /// The item's row and its `archive_pending` entry, which holds its summary and content until its archive line
    /// is written (`markArchived`); returns its `seq`.
    private func insertRow(_ r: ArchiveRecord, language: String?) throws(StoreError) -> Int64 {
        try db.query("""
            INSERT INTO items(id, feed_url, guid, url, title, published, fetched, author, categories, summary,
                              content, relevant, relevance, topics, near_duplicate_of, revision_of, story, language)
            VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, [.text(r.id), .text(r.feed), SQLValue(r.guid), SQLValue(r.url), SQLValue(r.title),
                  SQLValue(r.published.map(ISOTime.format)), .text(ISOTime.format(r.fetched)), SQLValue(r.author),
                  .text(Self.stringsJSON(r.categories)), .null, .null, SQLValue(r.relevant),
                  .real(r.relevance), .text(ArchiveRecord.topicsJSON(r.topics)), SQLValue(r.nearDuplicateOf),
                  SQLValue(r.revisionOf), SQLValue(r.story), SQLValue(language)])
        let seq = db.lastInsertRowID
        try db.query("INSERT INTO archive_pending(seq, summary, content) VALUES(?,?,?)",
                     [.integer(seq), SQLValue(r.summary), SQLValue(r.content)])
        return seq
    }

    private static let ftsInsert = """
        INSERT INTO items_fts(rowid, title, summary, content)
        SELECT i.seq, i.title, p.summary, p.content FROM items i JOIN archive_pending p ON p.seq = i.seq WHERE i.seq
        """

    /// Adds the items inserted in this transaction to the full-text index, one statement per `indexChunk`
    /// items (a batch of the pipeline takes one). One statement over 100,000 items (`dedup bench --exact
    /// 100000`) failed with SQLITE_FULL, "database or disk is full", on a disk with 63 GB free; FTS5 reports
    /// that when it has no segment id left, and it writes a segment per megabyte of pending terms.
    func indexPending() throws(StoreError) {
        guard var from = unindexedFrom else { return }
        let last = try db.int("SELECT max(seq) FROM items") ?? from
        while from <= last {
            try db.query(Self.ftsInsert + " >= ? AND i.seq < ?", [.integer(from), .integer(from + Self.indexChunk)])
            from += Self.indexChunk
        }
        unindexedFrom = nil
    }

    static let indexChunk: Int64 = 5_000

    /// Records that `itemID` (a stored item) was seen in `feedURL` under `guid` at `time`: a new sighting row
    /// for a new (item, feed, guid), otherwise its last-seen time and count move on.
    ///
    /// Rows are keyed by the item's `seq` (schema 9): a new item's sighting goes at the end of the table, and
    /// an item seen again is near the others of its feed. Keyed by the content hash, which is random, every new
    /// item's sighting landed in a leaf of its own.
    public func recordSighting(itemID: String, feedURL: String, guid: String?, url: String?, at time: Date) throws(StoreError) {
        let t = ISOTime.format(time)
        try db.query("""
            INSERT INTO sightings(item_seq, feed_url, guid, url, first_seen, last_seen)
            SELECT seq, ?, ?, ?, ?, ? FROM items WHERE id = ?
            ON CONFLICT(item_seq, feed_url, guid) DO UPDATE SET last_seen = excluded.last_seen, count = count + 1,
                url = coalesce(excluded.url, url)
            """, [.text(feedURL), .text(guid ?? ""), SQLValue(url), .text(t), .text(t), .text(itemID)])
    }

    public func sightings(itemID: String) throws(StoreError) -> [Sighting] {
        try db.query("""
            SELECT feed_url, guid, url, first_seen, last_seen, count FROM sightings
            WHERE item_seq = (SELECT seq FROM items WHERE id = ?) ORDER BY first_seen, feed_url
            """, [.text(itemID)]).map { row in
            Sighting(feedURL: row[0].text ?? "", guid: row[1].text.flatMap { $0.isEmpty ? nil : $0 }, url: row[2].text,
                     firstSeen: row[3].text.flatMap(ISOTime.parse) ?? Date(timeIntervalSince1970: 0),
                     lastSeen: row[4].text.flatMap(ISOTime.parse) ?? Date(timeIntervalSince1970: 0),
                     count: Int(row[5].int ?? 1))
        }
    }

    /// An item's columns in `ArchiveLineField` order as the PostgreSQL store keeps them (`record(row:)`).
    static let recordColumns = """
        id, feed_url, guid, url, title, published, fetched, author, categories, summary, content, relevant,
        relevance, topics, near_duplicate_of, revision_of, story
        """

    /// An item of `items i` in `ArchiveLineField` order, then where its archive line is (`record(stored:)`).
    /// Its summary and content: in `archive_pending` until its line is written; then in the line; in the row
    /// for items archived before schema 12.
    static let storedRecordColumns = """
        i.id, i.feed_url, i.guid, i.url, i.title, i.published, i.fetched, i.author, i.categories,
        coalesce(p.summary, i.summary), coalesce(p.content, i.content), i.relevant, i.relevance, i.topics,
        i.near_duplicate_of, i.revision_of, i.story, l.day, l.start, l.bytes
        """
    static let storedRecordJoins = " LEFT JOIN archive_pending p ON p.seq = i.seq LEFT JOIN archive_lines l ON l.seq = i.seq"
    /// `SELECT <storedRecordColumns> FROM items i <joins>`, with `seq` first when asked and `extra` columns last.
    static func selectStoredRecords(withSeq: Bool = false, extra: String = "") -> String {
        "SELECT \(withSeq ? "i.seq, " : "")\(storedRecordColumns)\(extra.isEmpty ? "" : ", " + extra) FROM items i\(storedRecordJoins)"
    }

    /// A row of `selectStoredRecords(withSeq: true, extra: "i.language")` as `seq, recordColumns…, language`,
    /// its text read from its archive line when it has one (`store copy`).
    func rowWithText(_ row: [SQLValue], lines: ArchiveLineReader) throws(StoreError) -> [SQLValue] {
        let r = try record(stored: row[1...20], lines: lines)
        var out = Array(row[0...17])
        out[10] = SQLValue(r.summary)
        out[11] = SQLValue(r.content)
        out.append(row[21])
        return out
    }

    /// The record of a row of `storedRecordColumns`, its text read from its archive line when it has one.
    func record(stored row: ArraySlice<SQLValue>, lines: ArchiveLineReader) throws(StoreError) -> ArchiveRecord {
        var r = Self.record(row: Array(row.prefix(17)))
        if let location = Self.location(row) {
            do throws(ArchiveError) {
                (r.summary, r.content) = try lines.text(location, id: r.id)
            } catch {
                throw StoreError(path: path, message: error.description)
            }
        }
        return r
    }

    /// Where a row of `storedRecordColumns` says its item's archive line is, if it says.
    static func location(_ row: ArraySlice<SQLValue>) -> ArchiveLineLocation? {
        let i = row.startIndex + 17
        guard row.count >= 20, let day = row[i].int, let start = row[i + 1].int, let bytes = row[i + 2].int else { return nil }
        return ArchiveLineLocation(dayNumber: day, offset: start, length: Int(bytes))
    }

    func storedRecords(_ whereSQL: String, _ args: [SQLValue] = []) throws(StoreError) -> [ArchiveRecord] {
        let lines = ArchiveLineReader(directory: archiveDirectory)
        var out: [ArchiveRecord] = []
        for row in try db.query(Self.selectStoredRecords() + " " + whereSQL, args) {
            out.append(try record(stored: row[...], lines: lines))
        }
        return out
    }

    public func item(id: String) throws(StoreError) -> ArchiveRecord? {
        try storedRecords("WHERE i.id = ?", [.text(id)]).first
    }

    /// Items committed to the store but not yet confirmed in the JSONL archive, oldest first.
    public func unarchivedItems() throws(StoreError) -> [ArchiveRecord] {
        try storedRecords("WHERE i.seq IN (SELECT seq FROM archive_pending) ORDER BY i.seq")
    }

    /// Their archive lines are written and synced: the items leave `archive_pending`, with their text, and
    /// `archive_lines` says where their lines are. New items of the open transaction are indexed first (the
    /// index reads their text from `archive_pending`).
    ///
    /// Items are found by `seq` through the pending table (small, and its items' rows are the newest), not
    /// by id: a lookup by content hash is a random read in an index as large as the store. An item not
    /// pending is left alone (marked already). `CROSS JOIN` keeps the pending table outside: SQLite's own
    /// choice was to scan the whole `items` id index.
    public func markArchived(_ lines: [ArchivedLine]) throws(StoreError) {
        guard !lines.isEmpty else { return }
        try indexPending()
        var pending: [String: Int64] = [:]
        try db.forEachRow("SELECT p.seq, i.id FROM archive_pending p CROSS JOIN items i ON i.seq = p.seq") { row in
            pending[row.withText(1) { String(decoding: $0, as: UTF8.self) }] = row.int64(0)
        }
        let rows = lines.compactMap { l in
            pending.removeValue(forKey: l.id).map { Self.jsonArray([$0, l.location.dayNumber, l.location.offset, Int64(l.location.length)]) }
        }
        guard !rows.isEmpty else { return }
        let text = "[" + rows.joined(separator: ",") + "]"
        try db.query("""
            INSERT OR REPLACE INTO archive_lines(seq, day, start, bytes)
            SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)
            """, [.text(text)])
        try db.query("DELETE FROM archive_pending WHERE seq IN (SELECT value ->> 0 FROM json_each(?))", [.text(text)])
    }

    /// The condition on `items i` of the items of story `param`: those indexed by story (`items_by_story` leaves
    /// out an item whose story is its own id) and the story's first item, found by its id.
    static func inStory(_ param: String) -> String {
        "i.story = \(param) AND i.story <> i.id OR i.id = \(param) AND i.story = \(param)"
    }

    /// Items first seen at or after `time`.
    public func itemCount(since time: Date) throws(StoreError) -> Int {
        Int(try db.query("SELECT count(*) FROM items WHERE fetched >= ?", [.text(ISOTime.format(time))]).first?.first?.int ?? 0)
    }

    /// Title and first-seen time of the newest item.
    public func lastItem() throws(StoreError) -> (title: String?, fetched: Date)? {
        try db.query("SELECT title, fetched FROM items ORDER BY seq DESC LIMIT 1").first.map {
            ($0[0].text, $0[1].text.flatMap(ISOTime.parse) ?? Date(timeIntervalSince1970: 0))
        }
    }

    /// Items per UTC day of first sighting, newest day first.
    public func itemsPerDay(limit: Int) throws(StoreError) -> [(day: String, items: Int, relevant: Int)] {
        try db.query("""
            SELECT substr(fetched, 1, 10) AS day, count(*), sum(relevant) FROM items
            GROUP BY day ORDER BY day DESC LIMIT ?
            """, [.integer(Int64(limit))]).map { ($0[0].text ?? "", Int($0[1].int ?? 0), Int($0[2].int ?? 0)) }
    }

    /// Whether any item is stored: one row read, where `itemCount` reads a whole index.
    public func hasItems() throws(StoreError) -> Bool {
        try db.int("SELECT EXISTS(SELECT 1 FROM items)") == 1
    }

    public func itemCount() throws(StoreError) -> Int {
        Int(try db.query("SELECT count(*) FROM items").first?.first?.int ?? 0)
    }

    static func record(row: [SQLValue]) -> ArchiveRecord {
        ArchiveRecord(
            id: row[0].text ?? "", feed: row[1].text ?? "", guid: row[2].text, url: row[3].text, title: row[4].text,
            published: row[5].text.flatMap(ISOTime.parse),
            fetched: row[6].text.flatMap(ISOTime.parse) ?? Date(timeIntervalSince1970: 0),
            author: row[7].text, categories: strings(fromJSON: row[8].text ?? "[]"), summary: row[9].text,
            content: row[10].text, relevant: (row[11].int ?? 0) != 0, relevance: row[12].double ?? 0,
            topics: ArchiveRecord.topics(fromJSON: row[13].text ?? "[]"), nearDuplicateOf: row[14].text,
            revisionOf: row[15].text, story: row[16].text)
    }

    static func stringsJSON(_ a: [String]) -> String {
        var out: [UInt8] = []
        JSONText.appendStrings(a, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func strings(fromJSON text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

extension FeedState {
    /// A row of the `feeds` columns `ItemStore.feedState` selects, in that order.
    init(row: [SQLValue]) {
        self.init(url: row[0].text ?? "")
        title = row[1].text
        etag = row[2].text
        lastModified = row[3].text
        lastStatus = row[4].int.map(Int.init)
        lastError = row[5].text
        lastFetchAt = row[6].int.map(Int.init)
        lastSuccessAt = row[7].int.map(Int.init)
        lastNewItemAt = row[8].int.map(Int.init)
        consecutiveErrors = Int(row[9].int ?? 0)
        nextDueAt = row[10].int.map(Int.init)
        disabled = (row[11].int ?? 0) != 0
        currentURL = row[12].text
    }
}

/// One place an item was seen: a feed, under a GUID, at a URL, first and last time, how often.
public struct Sighting: Sendable, Equatable {
    public var feedURL: String
    public var guid: String?
    public var url: String?
    public var firstSeen: Date
    public var lastSeen: Date
    public var count: Int
}

extension ItemStore: ArchiveStorage, FeedStateStorage {}
