/// A read-only connection to the store for the prepare worker (`PrepareQueue`): whether an item is stored
/// already, as of the last commit, so that the worker classifies and fingerprints only the entries that may be
/// new; and the near-duplicate postings of those entries' leads, so that the store's thread does not probe the
/// large postings table itself (`NearDuplicatePostings`). A feed fetched again without validators (a server that ignores conditional GET) is mostly entries
/// already stored, and preparing them in full was most of such a pass.
///
/// The answer only saves work and decides nothing: the store's thread still looks every entry up in its own
/// transaction. An item of the batch still open reads as not stored (it is prepared in full, and the store's
/// thread finds it stored); an error reads as not stored as well.
///
/// Invariant behind `@unchecked Sendable`: its connection is used by one thread at a time (the prepare worker's).
final class ItemLookupConnection: @unchecked Sendable {
    private let db: SQLiteConnection

    /// Opens the store at `path` (the writer's file, in WAL mode, so reading never waits for the writer).
    init(path: String) throws(StoreError) {
        db = try SQLiteConnection(path: path, readOnly: true)
        // A small page cache: lookups touch random leaves of the content-hash index, which the OS page cache
        // holds anyway, and the daemon's memory budget is 64 MiB (SQLite's default would be 2 MB).
        try db.execute("PRAGMA cache_size=-256")
    }

    /// Whether `id` is stored, as of the last commit (false on any error).
    func contains(id: String) -> Bool {
        (try? db.int("SELECT 1 FROM items WHERE id = ?", [.text(id)])) != nil  // nil: no row, or an error
    }

    /// The near-duplicate postings of each of `leads` (a fingerprint's lead keys), all as of one commit, read
    /// here so that the store's thread reads only what was registered since (`NearDuplicatePostings`): per key
    /// the newest `perKeyLimit`, from the three tables as `ItemStore.nearDuplicateCandidates` reads them. Nil on
    /// any error (the store's thread then reads them all itself).
    func nearDuplicatePostings(leads: [[Int64]], perKeyLimit: Int) -> [NearDuplicatePostings]? {
        do {
            try db.execute("BEGIN")  // one snapshot for the bound and the lists
            defer { try? db.execute("COMMIT") }
            let through = try db.int("SELECT max(seq) FROM dedup_items") ?? 0
            return try leads.map { keys throws(StoreError) in
                var lists: [Int64: [Int64]] = [:]
                for key in keys {
                    var newest: [Int64] = []
                    try db.forEachRow(ItemStore.keyPostings, [.integer(key), .integer(Int64(perKeyLimit))]) {
                        newest.append($0.int64(0))
                    }
                    if !newest.isEmpty { lists[key] = newest }
                }
                return NearDuplicatePostings(throughSeq: through, lists: lists)
            }
        } catch {
            return nil
        }
    }
}
