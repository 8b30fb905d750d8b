import Foundation

/// Feeds added with `newswired feeds add` or `feeds import`, kept in the store beside the config's own list.
extension ItemStore {
    /// Every subscription, in the order they were added.
    public func subscriptions() throws(StoreError) -> [FeedConfig] {
        try db.query("SELECT url, title, tags FROM subscriptions ORDER BY added_at, rowid").map { row in
            FeedConfig(url: row[0].text ?? "", title: row[1].text, tags: Self.strings(fromJSON: row[2].text ?? "[]"))
        }
    }

    /// Adds the feeds not yet subscribed (one short transaction); returns those that were added.
    @discardableResult
    public func addSubscriptions(_ feeds: [FeedConfig], source: String, at time: Date = Date()) throws -> [FeedConfig] {
        try transaction {
            var added: [FeedConfig] = []
            for f in feeds {
                try db.query("""
                    INSERT INTO subscriptions(url, title, tags, added_at, source) VALUES(?,?,?,?,?) ON CONFLICT(url) DO NOTHING
                    """, [.text(f.url), SQLValue(f.title), .text(Self.stringsJSON(f.tags)), .integer(Int64(time.timeIntervalSince1970)),
                          .text(source)])
                if db.changes > 0 { added.append(f) }
            }
            return added
        }
    }

    /// Removes a subscription; false when there was none for this URL.
    public func removeSubscription(url: String) throws(StoreError) -> Bool {
        try db.query("DELETE FROM subscriptions WHERE url = ?", [.text(url)])
        return db.changes > 0
    }

    /// The subscriptions of the store under `stateDirectory`; none when there is no store yet (nothing is created).
    public static func subscriptions(stateDirectory: URL) throws(StoreError) -> [FeedConfig] {
        let file = stateDirectory.appendingPathComponent(fileName).path
        guard FileManager.default.fileExists(atPath: file) else { return [] }
        return try ItemStore(stateDirectory: stateDirectory).subscriptions()
    }
}
