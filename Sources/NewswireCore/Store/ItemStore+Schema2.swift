extension ItemStore {
    /// Schema step 2: what reading the archive needs. It runs once, on a store at version 1 (new or existing), and
    /// fills the new indexes from the items already there (once, on
    /// the first open by a binary that knows version 2; time proportional to the items stored).
    ///
    /// - `items_fts`: an FTS5 index over title, summary and content, external-content on `items` (the text
    ///   is stored once), kept in sync by triggers in the writer's own transaction, so every path that
    ///   inserts an item (pipeline, reconcile, tests, the benchmark) indexes it. Ranked with BM25, title
    ///   weighted above summary above content.
    /// - `item_topics`: one row per (topic, item) from `items.topics`, so a topic filter is an index lookup
    ///   rather than a JSON scan; kept in sync by triggers as well.
    /// - indexes for the archive commands' filters and relations (fetched time, feed, revision, near-duplicate,
    ///   story).
    /// - `subscriptions`: feeds added with `newswired feeds add|import`, merged with the config's own list.
    static let schemaStep2 = """
        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, summary, content,
            content = 'items', content_rowid = 'seq',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO items_fts(items_fts, rank) VALUES('rank', 'bm25(10.0, 3.0, 1.0)');
        CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
            INSERT INTO items_fts(rowid, title, summary, content) VALUES(new.seq, new.title, new.summary, new.content);
        END;
        CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, title, summary, content)
                VALUES('delete', old.seq, old.title, old.summary, old.content);
        END;
        CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary, content ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, title, summary, content)
                VALUES('delete', old.seq, old.title, old.summary, old.content);
            INSERT INTO items_fts(rowid, title, summary, content) VALUES(new.seq, new.title, new.summary, new.content);
        END;
        INSERT INTO items_fts(items_fts) VALUES('rebuild');

        CREATE TABLE item_topics(
            topic TEXT NOT NULL,
            seq INTEGER NOT NULL,
            score REAL NOT NULL,
            PRIMARY KEY(topic, seq)
        ) WITHOUT ROWID;
        CREATE INDEX item_topics_by_seq ON item_topics(seq);
        CREATE TRIGGER item_topics_insert AFTER INSERT ON items BEGIN
            INSERT OR IGNORE INTO item_topics(topic, seq, score)
                SELECT json_extract(value, '$.id'), new.seq, coalesce(json_extract(value, '$.score'), 0)
                FROM json_each(new.topics) WHERE json_extract(value, '$.id') IS NOT NULL;
        END;
        CREATE TRIGGER item_topics_delete AFTER DELETE ON items BEGIN
            DELETE FROM item_topics WHERE seq = old.seq;
        END;
        CREATE TRIGGER item_topics_update AFTER UPDATE OF topics ON items BEGIN
            DELETE FROM item_topics WHERE seq = old.seq;
            INSERT OR IGNORE INTO item_topics(topic, seq, score)
                SELECT json_extract(value, '$.id'), new.seq, coalesce(json_extract(value, '$.score'), 0)
                FROM json_each(new.topics) WHERE json_extract(value, '$.id') IS NOT NULL;
        END;
        INSERT OR IGNORE INTO item_topics(topic, seq, score)
            SELECT json_extract(t.value, '$.id'), i.seq, coalesce(json_extract(t.value, '$.score'), 0)
            FROM items i, json_each(i.topics) t WHERE json_extract(t.value, '$.id') IS NOT NULL;

        CREATE INDEX items_by_fetched ON items(fetched);
        CREATE INDEX items_by_feed ON items(feed_url, seq);
        CREATE INDEX items_by_revision_of ON items(revision_of) WHERE revision_of IS NOT NULL;
        CREATE INDEX items_by_near_duplicate_of ON items(near_duplicate_of) WHERE near_duplicate_of IS NOT NULL;
        CREATE INDEX items_by_story ON items(story) WHERE story IS NOT NULL;

        CREATE TABLE subscriptions(
            url TEXT PRIMARY KEY,
            title TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            added_at INTEGER NOT NULL,
            source TEXT
        );
        """

    /// Schema step 12: an item's summary and content are kept once, in its archive line. The row keeps the rest
    /// (what filters, listings and dedup read); `archive_pending` holds the text of items whose line is not
    /// written yet; `archive_lines` says where each line written since is (`ArchiveLineLocation`: the day as
    /// `YYYYMMDD`, first byte, length). The full-text index becomes contentless (it held no text as an external-
    /// content index either, but read its snippets from the rows): it is filled again from the rows and pending
    /// text once, in time proportional to the items stored. Items archived before keep their text in their rows.
    static func moveTextToTheArchive(_ db: SQLiteConnection) throws(StoreError) {
        for column in ["summary", "content"]
        where try db.int("SELECT count(*) FROM pragma_table_info('archive_pending') WHERE name = ?", [.text(column)]) == 0 {
            try db.execute("ALTER TABLE archive_pending ADD COLUMN \(column) TEXT")
        }
        try db.execute(textInTheArchive)
        // In chunks, as `indexPending` does: one statement over a large store runs FTS5 out of segment ids.
        let last = try db.int("SELECT max(seq) FROM items") ?? 0
        var from: Int64 = 0
        while from <= last {
            try db.query("""
                INSERT INTO items_fts(rowid, title, summary, content)
                SELECT i.seq, i.title, coalesce(p.summary, i.summary), coalesce(p.content, i.content)
                FROM items i LEFT JOIN archive_pending p ON p.seq = i.seq WHERE i.seq >= ? AND i.seq < ?
                """, [.integer(from), .integer(from + indexChunk)])
            from += indexChunk
        }
    }

    private static let textInTheArchive = """
        CREATE TABLE IF NOT EXISTS archive_lines(seq INTEGER PRIMARY KEY, day INTEGER NOT NULL, start INTEGER NOT NULL, bytes INTEGER NOT NULL);
        DROP TRIGGER IF EXISTS items_fts_insert; DROP TRIGGER IF EXISTS items_fts_delete; DROP TRIGGER IF EXISTS items_fts_update;
        DROP TABLE items_fts;
        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, summary, content,
            content = '',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO items_fts(items_fts, rank) VALUES('rank', 'bm25(10.0, 3.0, 1.0)');
        """
}
