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
}
