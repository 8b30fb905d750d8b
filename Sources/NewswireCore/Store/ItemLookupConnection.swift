/// A read-only connection to the store for the prepare worker (`PrepareQueue`): whether an item is stored
/// already, as of the last commit, so that the worker classifies and fingerprints only the entries that may be
/// new. A feed fetched again without validators (a server that ignores conditional GET) is mostly entries
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
}
