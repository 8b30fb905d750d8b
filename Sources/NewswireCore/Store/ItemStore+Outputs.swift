import Foundation

/// The webhook outbox (Output/): a row per delivery until it is delivered, and per output the stories it alerted.
/// Rows are written in the item's transaction, so an item and its deliveries commit together or not at all.
extension ItemStore: OutboxStorage {
    /// Schema step 11.
    static let createOutbox = """
        CREATE TABLE IF NOT EXISTS outbox(
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            output TEXT NOT NULL,
            event TEXT NOT NULL,
            story TEXT NOT NULL,
            item_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            next_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            dead INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS outbox_due ON outbox(next_at) WHERE dead = 0;
        CREATE INDEX IF NOT EXISTS outbox_story ON outbox(output, story, event);
        CREATE TABLE IF NOT EXISTS output_stories(
            output TEXT NOT NULL,
            story TEXT NOT NULL,
            alerted_at INTEGER NOT NULL,
            last_update_at INTEGER NOT NULL,
            pending_update TEXT,
            PRIMARY KEY(output, story)
        ) WITHOUT ROWID;
        """

    private static let deliveryColumns = "key, output, event, story, item_id, payload, version, created_at, next_at, attempts, last_error, dead"

    private static func delivery(_ row: [SQLValue]) -> Delivery {
        Delivery(key: row[0].text ?? "", output: row[1].text ?? "", event: Delivery.Event(rawValue: row[2].text ?? "") ?? .item,
                 story: row[3].text ?? "", itemID: row[4].text ?? "", payload: row[5].text ?? "",
                 version: Int(row[6].int ?? 0), createdAt: Int(row[7].int ?? 0), nextAt: Int(row[8].int ?? 0),
                 attempts: Int(row[9].int ?? 0), lastError: row[10].text, dead: (row[11].int ?? 0) != 0)
    }

    /// False on a store opened read-only before its schema had the outbox (`status` beside an older daemon).
    public func hasOutbox() throws(StoreError) -> Bool {
        try db.int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'outbox'") == 1
    }

    public func outputStory(output: String, story: String) throws(StoreError) -> OutputStoryState? {
        try db.query("SELECT alerted_at, last_update_at, pending_update FROM output_stories WHERE output = ? AND story = ?",
                     [.text(output), .text(story)]).first.map {
            OutputStoryState(alertedAt: Int($0[0].int ?? 0), lastUpdateAt: Int($0[1].int ?? 0), pendingUpdate: $0[2].text)
        }
    }

    public func saveOutputStory(output: String, story: String, _ s: OutputStoryState) throws(StoreError) {
        try db.query("""
            INSERT INTO output_stories(output, story, alerted_at, last_update_at, pending_update) VALUES(?,?,?,?,?)
            ON CONFLICT(output, story) DO UPDATE SET alerted_at = excluded.alerted_at,
                last_update_at = excluded.last_update_at, pending_update = excluded.pending_update
            """, [.text(output), .text(story), SQLValue(s.alertedAt), SQLValue(s.lastUpdateAt), SQLValue(s.pendingUpdate)])
    }

    public func enqueue(_ d: Delivery) throws(StoreError) {
        try db.query("INSERT OR IGNORE INTO outbox(\(Self.deliveryColumns)) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", [
            .text(d.key), .text(d.output), .text(d.event.rawValue), .text(d.story), .text(d.itemID), .text(d.payload),
            SQLValue(d.version), SQLValue(d.createdAt), SQLValue(d.nextAt), SQLValue(d.attempts), SQLValue(d.lastError),
            SQLValue(d.dead),
        ])
    }

    public func replaceQueued(key: String, itemID: String, payload: String) throws(StoreError) -> Bool {
        try db.query("""
            UPDATE outbox SET item_id = ?, payload = ?, version = version + 1 WHERE key = ? AND attempts = 0 AND dead = 0
            """, [.text(itemID), .text(payload), .text(key)])
        return db.changes > 0
    }

    public func claim(key: String, version: Int) throws(StoreError) -> Bool {
        try db.query("UPDATE outbox SET attempts = attempts + 1 WHERE key = ? AND version = ? AND dead = 0",
                     [.text(key), SQLValue(version)])
        return db.changes > 0
    }

    public func storyOutlets(story: String) throws(StoreError) -> Int {
        Int(try db.int("""
            SELECT count(DISTINCT s.feed_url) FROM items i JOIN sightings s ON s.item_seq = i.seq
            WHERE \(Self.inStory("?1"))
            """, [.text(story)]) ?? 0)
    }

    public func dueDeliveries(at now: Int, outputs: [String], limit: Int) throws(StoreError) -> [Delivery] {
        try db.query("""
            SELECT \(Self.deliveryColumns) FROM outbox o
            WHERE dead = 0 AND next_at <= ? AND output IN (SELECT value FROM json_each(?))
              AND NOT (event = 'update' AND EXISTS (
                  SELECT 1 FROM outbox a WHERE a.output = o.output AND a.story = o.story AND a.event = 'alert' AND a.dead = 0))
            ORDER BY next_at, seq LIMIT ?
            """, [SQLValue(now), .text(Self.stringsJSON(outputs)), SQLValue(limit)]).map(Self.delivery)
    }

    /// Every row of the outbox, in the order it was queued (for tests and inspection).
    func allDeliveries() throws(StoreError) -> [Delivery] {
        try db.query("SELECT \(Self.deliveryColumns) FROM outbox ORDER BY seq").map(Self.delivery)
    }

    /// When the next delivery not dead is due (Unix seconds), if any.
    public func nextDeliveryDue() throws(StoreError) -> Int? {
        try db.int("SELECT min(next_at) FROM outbox WHERE dead = 0").map(Int.init)
    }

    public func deliveryDone(key: String, version: Int) throws(StoreError) -> Bool {
        try db.query("DELETE FROM outbox WHERE key = ? AND version = ?", [.text(key), SQLValue(version)])
        return db.changes > 0
    }

    public func deliveryFailed(key: String, attempts: Int, nextAt: Int, error: String, dead: Bool) throws(StoreError) {
        try db.query("UPDATE outbox SET attempts = ?, next_at = ?, last_error = ?, dead = ? WHERE key = ?",
                     [SQLValue(attempts), SQLValue(nextAt), .text(error), SQLValue(dead), .text(key)])
    }

    public func outboxBacklog() throws(StoreError) -> [OutputBacklog] {
        try db.query("""
            SELECT output, sum(dead = 0 AND attempts = 0), sum(dead = 0 AND attempts > 0), sum(dead),
                   min(CASE WHEN dead = 0 THEN created_at END)
            FROM outbox GROUP BY output ORDER BY output
            """).map {
            OutputBacklog(output: $0[0].text ?? "", queued: Int($0[1].int ?? 0), retrying: Int($0[2].int ?? 0),
                          dead: Int($0[3].int ?? 0), oldest: $0[4].int.map(Int.init))
        }
    }

    public func deadDeliveries(output: String?) throws(StoreError) -> [Delivery] {
        try db.query("SELECT \(Self.deliveryColumns) FROM outbox WHERE dead = 1 AND (? IS NULL OR output = ?) ORDER BY seq",
                     [SQLValue(output), SQLValue(output)]).map(Self.delivery)
    }

    public func retryDead(output: String?, now: Int) throws(StoreError) -> Int {
        // A replayed delivery gets a new life of `max_age` from now, and its first retry at once.
        try db.query("""
            UPDATE outbox SET dead = 0, attempts = 0, created_at = ?, next_at = ?
            WHERE dead = 1 AND (? IS NULL OR output = ?)
            """, [SQLValue(now), SQLValue(now), SQLValue(output), SQLValue(output)])
        return db.changes
    }
}
