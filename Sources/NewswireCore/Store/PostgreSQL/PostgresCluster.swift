import Foundation

/// A daemon's part in a cluster on a PostgreSQL store: its row in `nodes`, the feeds it leases, the hosts it
/// holds while it fetches their feeds, and the archive's writer lock. It has a connection of its own, so claims,
/// renewals and releases commit at once, whatever batch the store's connection has open; and the archive lock,
/// a session lock, lives exactly as long as this daemon's session.
///
/// Lease and host-hold times are the server's `now()`. Due times are the feeds' `next_due_at`, which each
/// daemon computes with its own clock as on SQLite and the claim compares with the server's: keep the
/// machines' clocks in sync (NTP), or a skewed daemon's feeds come due early or late by the skew.
public final class PostgresCluster {
    /// Schema step 4 (applied by `PostgresStore`).
    static let schema = """
        ALTER TABLE feeds ADD COLUMN host text, ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz;
        CREATE INDEX feeds_due ON feeds(next_due_at);
        CREATE TABLE hosts(host text PRIMARY KEY, holder text, held_until timestamptz);
        CREATE TABLE store_version(n bigint NOT NULL);
        INSERT INTO store_version VALUES(0);
        CREATE TABLE nodes(
            id text PRIMARY KEY,
            hostname text NOT NULL,
            pid integer NOT NULL,
            version text NOT NULL,
            started_at timestamptz NOT NULL,
            heartbeat_at timestamptz NOT NULL,
            stopped_at timestamptz,
            fetched bigint NOT NULL DEFAULT 0,
            new_items bigint NOT NULL DEFAULT 0
        );
        """

    /// Claims run one at a time cluster-wide (a few milliseconds each), so two nodes never take one host at once.
    static let claimLock = 2
    /// The archive's writer lock (a session lock).
    static let archiveLock = 3

    let db: PostgresConnection
    /// This daemon's name: the owner of its leases.
    public let node: String
    /// Seconds a lease lasts without renewal.
    public let lease: Int
    private var holdsArchiveLock = false
    /// This daemon held the archive's writer lock when it last looked.
    public var writesArchive: Bool { holdsArchiveLock }
    private var reconnectionsAtLock = 0

    /// Connects (the store must have applied the schema) and enters `nodes`.
    public init(url: String, schema: String? = nil, node: String, lease: Int) throws(StoreError) {
        db = try PostgresConnection(url: url)
        self.node = node
        self.lease = lease
        // No statement of this connection waits long for a lock: a wait on a row this daemon's own batch holds
        // (on the store's connection, on this thread) would never end.
        var setup = "SET lock_timeout = '5s'"
        if let schema { setup += "; SET search_path TO \(schema)" }
        try db.execute(setup)
        db.sessionSetup = setup
        // One process per node name: two would end each other's leases and host holds.
        if let live = try db.query("""
            SELECT hostname, pid, extract(epoch FROM now() - heartbeat_at)::bigint FROM nodes
            WHERE id = $1 AND stopped_at IS NULL AND heartbeat_at > now() - make_interval(secs => $2)
            """, [node, String(lease)]).first,
           !Self.isOwnOrGone(hostname: live[0], pid: live[1].flatMap { Int32($0) }) {
            throw StoreError(path: db.name, message: """
                node name "\(node)" is in use by \(live[0] ?? "?") pid \(live[1] ?? "?") (heartbeat \(live[2] ?? "?")s ago): give \
                each daemon its own cluster.node, or leave it unset (<hostname>/<pid>)
                """)
        }
        // Nodes named by their PID come and go with every restart: those stopped a day ago, or silent for a
        // week, leave the list `status` shows.
        try db.query("DELETE FROM nodes WHERE stopped_at < now() - interval '1 day' OR heartbeat_at < now() - interval '7 days'")
        try db.query("""
            INSERT INTO nodes(id, hostname, pid, version, started_at, heartbeat_at) VALUES($1, $2, $3, $4, now(), now())
            ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, version = excluded.version,
                started_at = now(), heartbeat_at = now(), stopped_at = NULL
            """, [node, ProcessInfo.processInfo.hostName, String(getpid()), NewswireVersion.string])
    }

    /// A node row left by this process, or by a process of this machine that no longer runs (a restart after a
    /// crash takes its name over at once instead of waiting for its heartbeat to age).
    static func isOwnOrGone(hostname: String?, pid: Int32?) -> Bool {
        guard hostname == ProcessInfo.processInfo.hostName, let pid else { return false }
        return pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH)
    }

    /// `<hostname>/<pid>`: unique while the process lives.
    public static func defaultNodeName() -> String { "\(ProcessInfo.processInfo.hostName)/\(getpid())" }

    /// The politeness key of a feed: its URL's host and port (an origin's connections are what a publisher sees).
    static func hostKey(_ url: String) -> String? {
        guard let c = URLComponents(string: url), let host = c.host?.lowercased(), !host.isEmpty else { return nil }
        return c.port.map { "\(host):\($0)" } ?? host
    }

    /// Makes sure every configured feed has a row (a new one is due at once) and knows its host.
    public func register(feeds urls: [String]) throws(StoreError) {
        guard !urls.isEmpty else { return }
        try db.query("""
            INSERT INTO feeds(url, host) SELECT * FROM unnest($1::text[], $2::text[])
            ON CONFLICT(url) DO UPDATE SET host = excluded.host WHERE feeds.host IS DISTINCT FROM excluded.host
            """, [Self.textArray(urls), Self.textArray(urls.map { Self.hostKey($0) ?? "" })])
    }

    /// Leases at most `limit` of `urls` that are due (or, for a one-shot pass, not fetched since `notFetchedSince`),
    /// not leased by another node, on hosts no other node holds, and holds their hosts for the lease's length:
    /// one node at a time talks to a host, so `fetch.max_per_host` holds cluster-wide. A claim takes the hosts
    /// whose feeds are due first, at most its share of them (the free hosts with due feeds over the live
    /// nodes), so that the nodes spread over the hosts instead of the first taking all.
    public func claim(among urls: [String], limit: Int, notFetchedSince: Int? = nil) throws(StoreError) -> [String] {
        guard !urls.isEmpty, limit > 0 else { return [] }
        let eligible = """
            f.url = ANY($2::text[])
            AND CASE WHEN $3::bigint IS NULL THEN coalesce(f.next_due_at, 0) <= extract(epoch FROM now())
                     ELSE coalesce(f.last_fetch_at, 0) < $3::bigint
                          AND (NOT f.disabled OR coalesce(f.next_due_at, 0) <= extract(epoch FROM now())) END
            AND f.host IS NOT NULL
            AND (f.lease_until IS NULL OR f.lease_until < now())
            AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = f.host AND h.holder <> $1 AND h.held_until > now())
            """
        try db.execute("BEGIN")
        do throws(StoreError) {
            try db.query("SELECT pg_advisory_xact_lock(\(PostgresStore.clusterLock(Self.claimLock)))")
            let hosts = try db.query("""
                WITH live AS (
                    SELECT greatest(1, count(*)) AS n FROM nodes
                    WHERE stopped_at IS NULL AND heartbeat_at > now() - make_interval(secs => $4)),
                free AS (
                    SELECT f.host, min(coalesce(f.next_due_at, 0)) AS due FROM feeds f WHERE \(eligible) GROUP BY f.host),
                share AS (SELECT ceil(count(*)::numeric / (SELECT n FROM live))::bigint AS k FROM free)
                SELECT host FROM free ORDER BY due, host LIMIT (SELECT k FROM share)
                """, [node, Self.textArray(urls), notFetchedSince.map(String.init), String(lease)]).compactMap { $0.first ?? nil }
            guard !hosts.isEmpty else {
                try db.execute("COMMIT")
                return []
            }
            let rows = try db.query("""
                WITH candidate AS MATERIALIZED (
                    SELECT f.url FROM feeds f WHERE \(eligible) AND f.host = ANY($5::text[])
                    ORDER BY coalesce(f.next_due_at, 0), f.url
                    LIMIT $6
                    FOR UPDATE OF f SKIP LOCKED),
                leased AS (
                    UPDATE feeds f SET lease_owner = $1, lease_until = now() + make_interval(secs => $4)
                    FROM candidate c WHERE f.url = c.url RETURNING f.url, f.host),
                held AS (
                    INSERT INTO hosts(host, holder, held_until)
                    SELECT DISTINCT host, $1, now() + make_interval(secs => $4) FROM leased WHERE host <> ''
                    ON CONFLICT(host) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until)
                SELECT url FROM leased
                """, [node, Self.textArray(urls), notFetchedSince.map(String.init), String(lease), Self.textArray(hosts),
                      String(limit)])
            try db.execute("COMMIT")
            return rows.compactMap { $0.first ?? nil }
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// Extends this node's leases and host holds, and beats its heartbeat. Returns how many feeds it still
    /// leases (fewer than it claimed: a lease expired and another node took the feed).
    ///
    /// It runs while this daemon's own batch may hold row locks of its feeds (their new state, not yet
    /// committed): those rows are skipped rather than waited for, which would wait for a commit this thread
    /// itself has to make. Their leases end with the round anyway.
    @discardableResult
    public func renew() throws(StoreError) -> Int {
        let rows = try db.query("""
            WITH renewed AS (
                UPDATE feeds SET lease_until = now() + make_interval(secs => $2)
                WHERE url IN (SELECT url FROM feeds WHERE lease_owner = $1 AND lease_until IS NOT NULL FOR UPDATE SKIP LOCKED)),
            hosts AS (UPDATE hosts SET held_until = now() + make_interval(secs => $2) WHERE holder = $1),
            beat AS (UPDATE nodes SET heartbeat_at = now() WHERE id = $1)
            SELECT count(*) FROM feeds WHERE lease_owner = $1 AND lease_until IS NOT NULL
            """, [node, String(lease)])
        return (rows.first?.first ?? nil).flatMap { Int($0) } ?? 0
    }

    /// Ends the leases of `urls` (their new state is committed) and every host hold of this node. `dueAt`: when
    /// the round's outcome says each feed is next due; a feed whose state could not be stored (a store error
    /// that day) is not due again before it, as on SQLite, instead of being claimed again at once.
    public func release(_ urls: [String], dueAt: [String: Int] = [:], fetched: Int, newItems: Int) throws(StoreError) {
        try db.query("""
            WITH released AS (
                UPDATE feeds f SET lease_owner = NULL, lease_until = NULL,
                    next_due_at = greatest(coalesce(f.next_due_at, 0), coalesce(d.due, 0))
                FROM unnest($2::text[], $5::bigint[]) AS d(url, due)
                WHERE f.url = d.url AND f.lease_owner = $1),
            hosts AS (UPDATE hosts SET holder = NULL, held_until = NULL WHERE holder = $1)
            UPDATE nodes SET heartbeat_at = now(), fetched = fetched + $3, new_items = new_items + $4 WHERE id = $1
            """, [node, Self.textArray(urls), String(fetched), String(newItems),
                  PostgresStore.arrayText(urls.map { Int64(dueAt[$0] ?? 0) })])
    }

    /// Seconds until the first of `urls` is due by the server's clock (0 when one is due; nil for none).
    public func secondsUntilDue(among urls: [String]) throws(StoreError) -> Int? {
        guard !urls.isEmpty else { return nil }
        let rows = try db.query("""
            SELECT min(coalesce(next_due_at, 0)) - extract(epoch FROM now())::bigint FROM feeds WHERE url = ANY($1::text[])
            """, [Self.textArray(urls)])
        return (rows.first?.first ?? nil).flatMap { Int($0) }.map { max(0, $0) }
    }

    /// The node stops: its leases and holds end now rather than at expiry, and `status` shows it stopped.
    public func leave() {
        try? db.query("""
            WITH released AS (UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1),
            hosts AS (UPDATE hosts SET holder = NULL, held_until = NULL WHERE holder = $1)
            UPDATE nodes SET stopped_at = now(), heartbeat_at = now() WHERE id = $1
            """, [node])
    }

    /// A text[] parameter: `{"a","b"}` with `"` and `\` escaped.
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}

extension PostgresCluster: ArchiveWriterLock {
    public func holdArchive() -> ArchiveHold {
        if holdsArchiveLock {
            // A session lock lasts as long as the session: a reconnection means another node may hold it now.
            if (try? db.query("SELECT 1")) != nil, db.reconnections == reconnectionsAtLock { return .held }
            holdsArchiveLock = false
        }
        guard let row = try? db.query("SELECT pg_try_advisory_lock(\(PostgresStore.clusterLock(Self.archiveLock)))").first,
              row.first == "t" else { return .elsewhere }
        holdsArchiveLock = true
        reconnectionsAtLock = db.reconnections
        return .acquired
    }
}

extension PostgresStore {
    /// The nodes of the cluster, newest heartbeat first.
    public struct ClusterNode: Sendable {
        public var id: String
        public var hostname: String
        public var pid: Int
        public var version: String
        public var startedAt: String
        /// Seconds since its last heartbeat (by the server's clock).
        public var heartbeatAge: Int
        public var stopped: Bool
        public var leases: Int
        public var fetched: Int
        public var newItems: Int
    }

    public func clusterNodes() throws(StoreError) -> [ClusterNode] {
        try db.query("""
            SELECT n.id, n.hostname, n.pid, n.version, to_char(n.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   extract(epoch FROM now() - n.heartbeat_at)::bigint, n.stopped_at IS NOT NULL,
                   (SELECT count(*) FROM feeds f WHERE f.lease_owner = n.id AND f.lease_until > now()), n.fetched, n.new_items
            FROM nodes n ORDER BY n.heartbeat_at DESC, n.id
            """).map { r in
            ClusterNode(id: r[0] ?? "", hostname: r[1] ?? "", pid: Int(r[2] ?? "") ?? 0, version: r[3] ?? "", startedAt: r[4] ?? "",
                 heartbeatAge: Int(r[5] ?? "") ?? 0, stopped: r[6] == "t", leases: Int(r[7] ?? "") ?? 0,
                 fetched: Int(r[8] ?? "") ?? 0, newItems: Int(r[9] ?? "") ?? 0)
        }
    }
}
