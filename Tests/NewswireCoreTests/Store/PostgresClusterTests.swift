import Foundation
import Testing
@testable import NewswireCore

/// Leases, host holds and the archive's writer lock of daemons sharing a PostgreSQL store (`PostgresCluster`),
/// on the server `scripts/test` starts; each test in a schema of its own.
@Suite struct PostgresClusterTests {
    /// A new schema with the store's tables, and what removes it.
    static func makeStore() throws -> (store: PostgresStore, url: String, schema: String)? {
        guard let url = StorageBackend.pgURL else { return nil }
        let schema = "c_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return (try PostgresStore(url: url, schema: schema), url, schema)
    }

    static func feeds(hosts: Int, perHost: Int) -> [String] {
        (0..<hosts).flatMap { h in (0..<perHost).map { "http://127.0.0.\(h + 1):8080/feed/\($0).xml" } }
    }

    @Test func concurrentClaimersLeaseEveryDueFeedOnceAndNeverShareAHost() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        let urls = Self.feeds(hosts: 12, perHost: 15)
        try PostgresCluster(url: url, schema: schema, node: "setup", lease: 60).register(feeds: urls)
        let claimed = Locked<[String: [String]]>([:])
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            guard let node = try? PostgresCluster(url: url, schema: schema, node: "n\(i)", lease: 60) else { return }
            var mine: [String] = []
            while let got = try? node.claim(among: urls, limit: 4), !got.isEmpty { mine += got }
            claimed.withLock { $0[node.node] = mine }
        }
        let all = claimed.withLock { $0 }
        let every = all.values.flatMap { $0 }
        #expect(every.count == urls.count, "claimed \(every.count) leases of \(urls.count) feeds")
        #expect(Set(every) == Set(urls), "every feed claimed")
        let hostsOf = all.mapValues { Set($0.compactMap(PostgresCluster.hostKey)) }
        for (a, b) in [("n0", "n1"), ("n0", "n2"), ("n1", "n2")] {
            #expect(hostsOf[a, default: []].isDisjoint(with: hostsOf[b, default: []]), "\(a) and \(b) share a host")
        }
    }

    @Test func aClaimTakesItsShareOfTheFreeHosts() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        let urls = Self.feeds(hosts: 6, perHost: 4)
        let nodes = try (0..<3).map { try PostgresCluster(url: url, schema: schema, node: "n\($0)", lease: 60) }
        try nodes[0].register(feeds: urls)
        // Three live nodes, six free hosts: two hosts a claim, however large the claim.
        let first = try nodes[0].claim(among: urls, limit: 100)
        #expect(Set(first.compactMap(PostgresCluster.hostKey)).count == 2)
        #expect(first.count == 8)
        let second = try nodes[1].claim(among: urls, limit: 100)
        #expect(Set(second.compactMap(PostgresCluster.hostKey)).isDisjoint(with: Set(first.compactMap(PostgresCluster.hostKey))))
        // A released host is free again.
        try nodes[0].release(first, fetched: first.count, newItems: 0)
        let third = try nodes[2].claim(among: urls, limit: 100)
        #expect(!third.isEmpty)
        #expect(Set(third).isDisjoint(with: Set(second)))
    }

    @Test func anExpiredLeaseGoesToAnotherNodeAndIsNotRenewed() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        let urls = ["http://127.0.0.1:8080/a.xml"]
        let a = try PostgresCluster(url: url, schema: schema, node: "a", lease: 1)
        let b = try PostgresCluster(url: url, schema: schema, node: "b", lease: 1)
        try a.register(feeds: urls)
        #expect(try a.claim(among: urls, limit: 1) == urls)
        #expect(try b.claim(among: urls, limit: 1).isEmpty, "leased, and its host held")
        #expect(try a.renew() == 1)
        usleep(1_300_000)
        #expect(try b.claim(among: urls, limit: 1) == urls, "taken over after the lease expired")
        #expect(try a.renew() == 0, "the lease is b's now")
    }

    /// A renewal while this daemon's batch holds its feeds' rows (their new state, uncommitted) on the store's
    /// connection: waiting for them would wait for a commit of the same thread.
    @Test func renewingWhileTheOwnBatchHoldsTheRowsDoesNotWaitForIt() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        let urls = ["http://127.0.0.1:8080/a.xml", "http://127.0.0.1:8080/b.xml"]
        let node = try PostgresCluster(url: url, schema: schema, node: "n", lease: 60)
        try node.register(feeds: urls)
        #expect(try node.claim(among: urls, limit: 2).count == 2)
        try store.beginBatch()
        var state = FeedState(url: urls[0])
        state.lastFetchAt = 1
        try store.saveFeedState(state)
        let started = Date()
        #expect(try node.renew() == 2, "both still leased")
        #expect(Date().timeIntervalSince(started) < 2, "did not wait for the batch")
        try store.commitBatch()
        try node.release(urls, fetched: 2, newItems: 0)
        #expect(try node.renew() == 0)
    }

    @Test func onlyDueFeedsAreClaimedExceptByAOneShotPass() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        let urls = ["http://127.0.0.1:8080/a.xml", "http://127.0.0.2:8080/b.xml"]
        let node = try PostgresCluster(url: url, schema: schema, node: "n", lease: 60)
        try node.register(feeds: urls)
        let now = Int(Date().timeIntervalSince1970)
        for u in urls {
            var s = FeedState(url: u)
            s.nextDueAt = now + 600
            s.lastFetchAt = u == urls[0] ? now - 60 : now + 1
            try store.saveFeedState(s)
        }
        #expect(try node.claim(among: urls, limit: 10).isEmpty, "nothing is due")
        let wait = try #require(try node.secondsUntilDue(among: urls))
        #expect((590...600).contains(wait))
        // A one-shot pass that began now: the feed fetched before it is taken, the one fetched since is not.
        #expect(try node.claim(among: urls, limit: 10, notFetchedSince: now) == [urls[0]])
    }

    @Test func nodesStoppedADayAgoLeaveTheList() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        try PostgresCluster(url: url, schema: schema, node: "old", lease: 60).leave()
        try store.db.execute("UPDATE nodes SET stopped_at = now() - interval '2 days' WHERE id = 'old'")
        _ = try PostgresCluster(url: url, schema: schema, node: "recent", lease: 60)
        #expect(try store.clusterNodes().map(\.id) == ["recent"])
    }

    @Test func aNodeNameInUseByALiveProcessIsRefused() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        _ = try PostgresCluster(url: url, schema: schema, node: "web1", lease: 60)
        // Another machine's process under the same name, heartbeat fresh: refused.
        try store.db.execute("UPDATE nodes SET hostname = 'elsewhere', pid = 1 WHERE id = 'web1'")
        #expect(throws: StoreError.self) { try PostgresCluster(url: url, schema: schema, node: "web1", lease: 60) }
        // This machine's process that no longer runs (a crash, then a restart): taken over.
        try store.db.execute("UPDATE nodes SET hostname = '\(ProcessInfo.processInfo.hostName)', pid = 2147483646 WHERE id = 'web1'")
        _ = try PostgresCluster(url: url, schema: schema, node: "web1", lease: 60)
    }

    /// A feed whose outcome could not be stored is not claimed again before the due time its round gave it.
    @Test func releaseKeepsTheRoundsDueTime() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        let urls = ["http://127.0.0.1:8080/a.xml"]
        let node = try PostgresCluster(url: url, schema: schema, node: "n", lease: 60)
        try node.register(feeds: urls)
        #expect(try node.claim(among: urls, limit: 1) == urls)
        try node.release(urls, dueAt: [urls[0]: Int(Date().timeIntervalSince1970) + 60], fetched: 0, newItems: 0)
        #expect(try node.claim(among: urls, limit: 1).isEmpty, "not due for a minute")
    }

    /// The read commands open the store without migrating: an older schema is an error, not an upgrade.
    @Test func aReaderNeverMigrates() throws {
        guard let url = StorageBackend.pgURL else { return }
        let schema = "r_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        #expect(throws: StoreError.self) { try PostgresStore(url: url, schema: schema, migrating: false) }
        let writer = try PostgresStore(url: url, schema: schema)
        defer { try? writer.db.execute("DROP SCHEMA \(schema) CASCADE") }
        try writer.db.execute("DELETE FROM schema_version WHERE version = \(PostgresStore.steps.count)")
        do {
            _ = try PostgresStore(url: url, schema: schema, migrating: false)
            Issue.record("a reader opened a schema one version behind")
        } catch {
            #expect(error.message.contains("start a daemon of this version"))
        }
        #expect(try writer.schemaVersion == PostgresStore.steps.count - 1, "the reader changed nothing")
    }

    /// A statement failing outside a savepoint dooms the server's transaction, whose `COMMIT` then answers
    /// success: the store must report it as not committed, and as no longer in a transaction.
    @Test func aFailedTransactionIsNeverReportedCommitted() throws {
        guard let (store, _, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        try store.beginBatch()
        try store.saveFeedState(FeedState(url: "http://127.0.0.1/a.xml"))
        #expect(store.inTransaction)
        #expect(throws: StoreError.self) { try store.db.query("SELECT no_such_column FROM feeds") }
        #expect(!store.inTransaction, "the pipeline rolls its batch back when this is false")
        #expect(throws: StoreError.self) { try store.commitBatch() }
        #expect(try store.feedState(url: "http://127.0.0.1/a.xml") == nil, "nothing of it was committed")
    }

    @Test func oneNodeAtATimeHoldsTheArchiveWriterLock() throws {
        guard let (store, url, schema) = try Self.makeStore() else { return }
        defer { try? store.db.execute("DROP SCHEMA \(schema) CASCADE") }
        var a: PostgresCluster? = try PostgresCluster(url: url, schema: schema, node: "a", lease: 60)
        let b = try PostgresCluster(url: url, schema: schema, node: "b", lease: 60)
        #expect(a!.holdArchive() == .acquired)
        #expect(b.holdArchive() == .elsewhere)
        #expect(a!.holdArchive() == .held)
        a = nil  // its session ends, as when the daemon dies
        var took = ArchiveHold.elsewhere
        for _ in 0..<50 where took == .elsewhere {
            took = b.holdArchive()
            if took == .elsewhere { usleep(20_000) }
        }
        #expect(took == .acquired)
    }
}

/// A value shared by threads.
final class Locked<Value>: @unchecked Sendable {
    // (Guarded by `lock`.)
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}
