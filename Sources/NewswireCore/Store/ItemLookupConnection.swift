/// A read-only connection to the store for the prepare worker (`PrepareQueue`):
/// - whether an item is stored already, as of the last commit, so that the worker classifies and fingerprints
///   only the entries that may be new. A feed fetched again without validators (a server that ignores
///   conditional GET) is mostly entries already stored, and preparing them in full was most of such a pass.
///   The answer only saves work and decides nothing: the store's thread still looks every entry up in its own
///   transaction. An item of the batch still open reads as not stored (it is prepared in full, and the store's
///   thread finds it stored); an error reads as not stored as well.
/// - the near-duplicate postings of the new entries' leads as of one commit (`NearDuplicatePostings`), which the
///   store's thread takes as they are and adds only what was registered since, so that it does not probe the
///   large postings table itself.
///
/// Invariant behind `@unchecked Sendable`: its connection is used by one thread at a time (the prepare worker's).
final class ItemLookupConnection: @unchecked Sendable {
    private let db: SQLiteConnection

    /// Opens the store at `path` (the writer's file, in WAL mode, so reading never waits for the writer).
    init(path: String) throws(StoreError) {
        db = try SQLiteConnection(path: path, readOnly: true)
        // A small page cache: lookups touch random leaves of the content-hash index and of the postings, which
        // the OS page cache holds anyway, and the daemon's memory budget is 64 MiB (SQLite's default: 2 MB).
        try db.execute("PRAGMA cache_size=-256")
    }

    /// Whether `id` is stored, as of the last commit (false on any error).
    func contains(id: String) -> Bool {
        (try? db.int("SELECT 1 FROM items WHERE id = ?", [.text(id)])) != nil  // nil: no row, or an error
    }

    /// The near-duplicate postings of each of `leads` (a fingerprint's lead keys), all as of one commit: per key
    /// the newest `perKeyLimit`, from the three tables as `ItemStore.nearDuplicateCandidates` reads them. Nil for
    /// a lead past `maxSeqs` postings read in all (a feed of thousands of new entries holds no more than that in
    /// memory), and for all of them on an error: the store's thread then reads those itself.
    func nearDuplicatePostings(leads: [[Int64]], perKeyLimit: Int, maxSeqs: Int = 8_192) -> [NearDuplicatePostings?] {
        if db.inTransaction { try? db.execute("ROLLBACK") }  // a COMMIT that failed: never keep an old snapshot
        do {
            try db.execute("BEGIN")  // one snapshot for the bound and the lists
            defer { if (try? db.execute("COMMIT")) == nil { try? db.execute("ROLLBACK") } }
            let through = try db.int("SELECT max(seq) FROM dedup_items") ?? 0
            var read = 0
            return try leads.map { keys throws(StoreError) -> NearDuplicatePostings? in
                guard read < maxSeqs else { return nil }
                var lists: [Int64: [Int64]] = [:]
                for key in keys {
                    var newest: [Int64] = []
                    try db.forEachRow(ItemStore.keyPostings, [.integer(key), .integer(Int64(perKeyLimit))]) {
                        newest.append($0.int64(0))
                    }
                    read += newest.count
                    if !newest.isEmpty { lists[key] = newest }
                }
                return NearDuplicatePostings(throughSeq: through, keys: keys, perKeyLimit: perKeyLimit, lists: lists)
            }
        } catch {
            return leads.map { _ in nil }
        }
    }
}
