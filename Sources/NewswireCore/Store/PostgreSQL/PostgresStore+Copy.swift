import Foundation

/// `newswired store copy`: an SQLite store moved into an empty PostgreSQL one, every row as it is (the items'
/// and registrations' numbers too, so sightings, postings and the next decisions are the same), in one
/// transaction: a copy cut short leaves the target empty.
extension PostgresStore {
    public struct CopySummary: Sendable, Equatable {
        public var rows: [String: Int] = [:]
    }

    /// One table's copy: what to read from SQLite, where it goes, and how a value of each column is sent.
    struct CopiedTable: Sendable {
        var name: String
        var select: String
        var insert: String
        var columns: Int
        var conflict = ""
        /// The items table: its rows' text is read from their archive lines (`ItemStore.rowWithText`).
        var textFromArchive = false
        /// Per column: how an SQLite value becomes a libpq text parameter.
        var convert: @Sendable (Int, SQLValue) -> String? = PostgresStore.parameter
    }

    static func parameter(_ column: Int, _ value: SQLValue) -> String? {
        switch value {
        case .null: return nil
        case .integer(let v): return String(v)
        case .real(let v): return "\(v)"
        case .text(let s): return s
        case .blob(let b): return byteaText(b)
        }
    }

    static let copiedTables: [CopiedTable] = [
        CopiedTable(name: "feeds", select: "SELECT \(feedColumns) FROM feeds ORDER BY url",
                    insert: "INSERT INTO feeds(\(feedColumns))", columns: 13),
        CopiedTable(name: "items", select: ItemStore.selectStoredRecords(withSeq: true, extra: "i.language") + " ORDER BY i.seq",
                    insert: """
                    INSERT INTO items(seq, \(ItemStore.recordColumns), language) OVERRIDING SYSTEM VALUE
                    """, columns: 19, textFromArchive: true),
        CopiedTable(name: "sightings", select: "SELECT item_seq, feed_url, guid, url, first_seen, last_seen, count FROM sightings ORDER BY item_seq",
                    insert: "INSERT INTO sightings(item_seq, feed_url, guid, url, first_seen, last_seen, count)", columns: 7),
        CopiedTable(name: "archive_pending", select: "SELECT seq FROM archive_pending ORDER BY seq",
                    insert: "INSERT INTO archive_pending(seq)", columns: 1),
        CopiedTable(name: "dedup_items", select: """
                    SELECT d.seq, d.item_id, d.root, d.story, d.fetched, d.key_count, coalesce(v.terms, d.terms), d.keys
                    FROM dedup_items d LEFT JOIN story_vectors v ON v.seq = d.seq ORDER BY d.seq
                    """,
                    insert: "INSERT INTO dedup_items(seq, item_id, root, story, fetched, key_count, terms, keys)", columns: 8,
                    convert: { column, value in
                        // A story vector of the older text form is sent in the encoded form PostgreSQL keeps.
                        if column == 6, case .text(let t) = value { return byteaText(StoryClusterer.Vector(text: t).encoded) }
                        return parameter(column, value)
                    }),
        CopiedTable(name: "dedup_keys", select: """
                    SELECT key, seq, pos FROM dedup_keys UNION ALL SELECT key, seq, pos FROM dedup_keys_middle
                    UNION ALL SELECT key, seq, pos FROM dedup_keys_recent
                    """, insert: "INSERT INTO dedup_keys(key, seq, pos)", columns: 3, conflict: " ON CONFLICT DO NOTHING"),
        CopiedTable(name: "story_terms", select: "SELECT term, seq FROM story_terms", insert: "INSERT INTO story_terms(term, seq)", columns: 2),
        CopiedTable(name: "story_df", select: "SELECT term, df FROM story_df", insert: "INSERT INTO story_df(term, df)", columns: 2),
    ]

    /// Rows a statement inserts at once (PostgreSQL takes up to 65,535 parameters a statement).
    static let copyBatch = 500

    /// Copies `source` into this store, which must hold no feed, item or registration.
    public func copy(from source: ItemStore) throws(StoreError) -> CopySummary {
        let used = try db.query("""
            SELECT (SELECT count(*) FROM feeds) + (SELECT count(*) FROM items) + (SELECT count(*) FROM dedup_items)
            """).first?.first ?? nil
        guard used == "0" else {
            throw StoreError(path: db.name, message: "the target already holds feeds or items; store copy fills an empty store only")
        }
        var summary = CopySummary()
        try db.execute("BEGIN")
        do throws(StoreError) {
            for table in Self.copiedTables {
                var batch: [String?] = []
                var count = 0
                func flush() throws(StoreError) {
                    guard !batch.isEmpty else { return }
                    let rows = batch.count / table.columns
                    var values: [String] = []
                    values.reserveCapacity(rows)
                    for r in 0..<rows {
                        let placeholders = (1...table.columns).map { "$\(r * table.columns + $0)" }
                        values.append("(" + placeholders.joined(separator: ", ") + ")")
                    }
                    try db.query(table.insert + " VALUES " + values.joined(separator: ", ") + table.conflict, batch)
                    batch.removeAll(keepingCapacity: true)
                }
                let lines = ArchiveLineReader(directory: source.archiveDirectory)
                try source.db.forEachRow(table.select) { row throws(StoreError) in
                    var values = row.values()
                    if table.textFromArchive { values = try source.rowWithText(values, lines: lines) }
                    for (c, v) in values.enumerated() { batch.append(table.convert(c, v)) }
                    count += 1
                    if count % Self.copyBatch == 0 { try flush() }
                }
                try flush()
                summary.rows[table.name] = count
            }
            // New items are numbered on from the copied ones.
            try db.query("SELECT setval(pg_get_serial_sequence('items', 'seq'), greatest((SELECT max(seq) FROM items), 1), (SELECT count(*) > 0 FROM items))")
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
        return summary
    }
}
