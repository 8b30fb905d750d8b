import Foundation

/// The PostgreSQL backend (issue #19, in progress): several daemons sharing one store. Today it implements
/// every storage protocol of the pipeline (`PipelineStorage`, with `FeedStateStorage`, `DedupStorage` and
/// `ArchiveStorage`) and passes the same contract tests as the SQLite store. Not yet: leases, search, the
/// `store:` config key; until then the daemon runs on SQLite only.
/// The plan is `docs/POSTGRES.md`.
///
/// Not thread-safe: one owner uses it from one thread, like `ItemStore`.
public final class PostgresStore {
    let db: PostgresConnection
    /// The server, as messages name it (the URL without its password).
    public var name: String { db.name }
    var observers: [ItemStore.WeakObserver] = []
    /// `BEGIN` was sent and neither `COMMIT` nor `ROLLBACK` since.
    var openTransaction = false
    /// The open transaction holds `storeLock`.
    var holdsStoreLock = false
    /// `store_version` as of this connection's last commit under `storeLock`: while no other node committed
    /// under it since, what the dedup caches hold is still what the tables hold.
    var storeVersion: Int64 = -1

    /// Connects and brings the schema up to date. `schema` (a name of letters, digits and `_`) puts every
    /// table in a schema of its own instead of the connection's default search path: tests use one each.
    ///
    /// `migrating: false` (the read commands) changes nothing: a schema older or newer than this newswired's is
    /// an error naming both versions, so that an operator's newer command never rewrites the daemons' tables.
    public init(url: String, schema: String? = nil, migrating: Bool = true) throws(StoreError) {
        db = try PostgresConnection(url: url)
        if let schema {
            guard !schema.isEmpty, schema.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw StoreError(path: db.name, message: "schema name \"\(schema)\": only a-z, 0-9 and _")
            }
            try db.execute("CREATE SCHEMA IF NOT EXISTS \(schema); SET search_path TO \(schema)")
            db.sessionSetup = "SET search_path TO \(schema)"
        }
        guard migrating else {
            let exists = try db.query("SELECT to_regclass('schema_version') IS NOT NULL").first?.first == "t"
            let current = exists ? try schemaVersion : 0
            guard current == Self.steps.count else {
                throw StoreError(path: db.name, message: current < Self.steps.count
                    ? "the store's schema is version \(current), this newswired reads version \(Self.steps.count): start a daemon of this version to upgrade it (or use the newswired the daemons run)"
                    : "the store's schema is version \(current), newer than this newswired knows (\(Self.steps.count)); upgrade newswired")
            }
            return
        }
        try migrate()
    }

    /// The schema steps, in order, each applied once under a transaction-scoped advisory lock, so daemons
    /// starting together do not apply a step twice; the version is read again under the lock.
    static let steps: [String] = [
        """
        CREATE TABLE feeds(
            url text PRIMARY KEY,
            title text,
            etag text,
            last_modified text,
            last_status integer,
            last_error text,
            last_fetch_at bigint,
            last_success_at bigint,
            last_new_item_at bigint,
            consecutive_errors integer NOT NULL DEFAULT 0,
            next_due_at bigint,
            disabled boolean NOT NULL DEFAULT false,
            current_url text
        );
        """,
        // The near-duplicate and story indexes (PostgresStore+Dedup.swift).
        dedupSchema,
        // Items, sightings and the archive's pending list (PostgresStore+Items.swift).
        itemsSchema,
        // Leases of feeds, hosts and the nodes of a cluster (PostgresCluster.swift).
        PostgresCluster.schema,
        // Full-text search for the archive commands (PostgresStore+Search.swift).
        searchSchema,
    ]

    /// The advisory lock key of schema changes (any constant; "newswire" in ASCII).
    static let migrationLock: Int64 = 0x6E65_7773_7769_7265
    /// The advisory locks of a cluster are keyed by the schema its tables are in (two clusters in one database
    /// do not wait for each other) and a number: `SELECT pg_advisory_xact_lock(\(clusterLock(storeLock)))`.
    static func clusterLock(_ number: Int) -> String { "hashtext(current_schema()), \(number)" }
    /// Held from a batch's first entry to its commit: one node at a time stores items, so an item is inserted
    /// once cluster-wide, registration numbers have no gaps, and the dedup indexes decide as SQLite's do on
    /// the same order of items. Fetching, parsing and classifying stay parallel.
    static let storeLock = 1

    private func migrate() throws(StoreError) {
        try db.execute("BEGIN")
        do throws(StoreError) {
            // The lock first: two servers' CREATE TABLE IF NOT EXISTS at once can still collide in the catalog.
            try db.query("SELECT pg_advisory_xact_lock($1)", [String(Self.migrationLock)])
            try db.execute("CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL)")
            let rows = try db.query("SELECT max(version) FROM schema_version")
            let current = rows.first?.first.flatMap { $0.flatMap(Int.init) } ?? 0
            guard current <= Self.steps.count else {
                throw StoreError(path: db.name, message: "schema version \(current) is newer than this newswired knows (\(Self.steps.count)); upgrade newswired")
            }
            for (i, step) in Self.steps.enumerated().dropFirst(current) {
                try db.execute(step)
                try db.query("INSERT INTO schema_version(version) VALUES($1)", [String(i + 1)])
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    var schemaVersion: Int {
        get throws(StoreError) {
            try db.query("SELECT max(version) FROM schema_version").first?.first.flatMap { $0.flatMap(Int.init) } ?? 0
        }
    }
}

extension PostgresStore: FeedStateStorage {
    static let feedColumns = """
        url, title, etag, last_modified, last_status, last_error, last_fetch_at, last_success_at,
        last_new_item_at, consecutive_errors, next_due_at, disabled, current_url
        """

    public func feedState(url: String) throws(StoreError) -> FeedState? {
        try db.query("SELECT \(Self.feedColumns) FROM feeds WHERE url = $1", [url]).first.map(Self.feedState(row:))
    }

    public func allFeedStates() throws(StoreError) -> [FeedState] {
        // Byte order, as SQLite's BINARY collation sorts: the same list from both stores.
        try db.query("SELECT \(Self.feedColumns) FROM feeds ORDER BY url COLLATE \"C\"").map(Self.feedState(row:))
    }

    public func saveFeedState(_ s: FeedState) throws(StoreError) {
        try db.query("""
            INSERT INTO feeds(\(Self.feedColumns)) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT(url) DO UPDATE SET \(feedStateUpsertAssignments)
            """, [s.url, s.title, s.etag, s.lastModified, s.lastStatus.map(String.init), s.lastError,
                  s.lastFetchAt.map(String.init), s.lastSuccessAt.map(String.init), s.lastNewItemAt.map(String.init),
                  String(s.consecutiveErrors), s.nextDueAt.map(String.init), s.disabled ? "true" : "false", s.currentURL])
    }

    static func feedState(row: [String?]) -> FeedState {
        var s = FeedState(url: row[0] ?? "")
        s.title = row[1]
        s.etag = row[2]
        s.lastModified = row[3]
        s.lastStatus = row[4].flatMap { Int($0) }
        s.lastError = row[5]
        s.lastFetchAt = row[6].flatMap { Int($0) }
        s.lastSuccessAt = row[7].flatMap { Int($0) }
        s.lastNewItemAt = row[8].flatMap { Int($0) }
        s.consecutiveErrors = row[9].flatMap { Int($0) } ?? 0
        s.nextDueAt = row[10].flatMap { Int($0) }
        s.disabled = row[11] == "t"
        s.currentURL = row[12]
        return s
    }
}
