import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Several daemons on one PostgreSQL store (issue #19): three `newswired run` on loopback against a farm of
/// feeds on six servers (six hosts for the politeness rule), one of them killed with SIGKILL mid-pass. Every
/// unique item must reach the shared archive exactly once, and the killed daemon's feeds must be fetched by the
/// others once its leases expire.
@Suite(.serialized) struct ClusterTests {
    static let hosts = 6
    static let feedsPerHost = 30
    static let itemsPerFeed = 3
    /// Wire stories: story `w` is carried by every feed `k` with `k % wire == w`, on every host, so copies of
    /// one item are fetched by different daemons at once.
    static let wire = 10

    static func rss(host: Int, feed: Int) -> String {
        var items = (0..<itemsPerFeed).map { n in
            """
            <item><title>Council \(host)-\(feed) adopts measure \(n) on model audits</title>
            <link>https://councils.example/\(host)/\(feed)/\(n)</link><guid isPermaLink="false">c-\(host)-\(feed)-\(n)</guid>
            <description>Measure \(n) of council \(host)-\(feed): reference \(host * 10_000 + feed * 10 + n).</description></item>
            """
        }
        let w = feed % wire
        items.append("""
            <item><title>Wire: ministers agree on shared AI safety testing, round \(w)</title>
            <link>https://wire.example/story/\(w)</link><guid isPermaLink="false">wire-\(w)</guid>
            <description>The agreement \(w) sets common evaluation rules for frontier models.</description></item>
            """)
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0"><channel><title>Council feed \(host)-\(feed)</title><link>https://councils.example/\(host)/\(feed)/</link>
            <description>Generated for the cluster test.</description>
            \(items.joined(separator: "\n"))
            </channel></rss>
            """
    }

    @Test func threeDaemonsArchiveEveryItemOnceAndTakeOverTheFeedsOfAKilledOne() throws {
        guard let schema = try PSQL.TestSchema() else { return }
        defer { withExtendedLifetime(schema) {} }
        let url = schema.url

        // Answers take 150–400 ms: every daemon has transfers in flight (uncommitted) most of the time. Each
        // server counts the requests it serves at once.
        var servers: [HTTPTestServer] = []
        var feedURLs: [String] = []
        let concurrency = (0..<Self.hosts).map { _ in Concurrency() }
        for h in 0..<Self.hosts {
            let server = try HTTPTestServer()
            for k in 0..<Self.feedsPerHost {
                let doc = ConditionalDocument(body: Self.rss(host: h, feed: k), etag: "\"c\(h)-\(k)\"")
                server.route("/council/\(k).rss") { request in
                    concurrency[h].enter()
                    defer { concurrency[h].leave() }
                    usleep(UInt32.random(in: 150_000..<400_000))
                    return doc.respond(to: request)
                }
                feedURLs.append(server.url("/council/\(k).rss"))
            }
            try server.start()
            servers.append(server)
        }
        defer { servers.forEach { $0.stop() } }

        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds(feedURLs)
        try sandbox.writeConfig("""
            store: \(url)
            cluster:
              lease: 10s
            fetch:
              max_concurrent: 4
              timeout: 5s
            log_levels:
              item: warning
            """)
        let daemons = try (0..<3).map { _ in try sandbox.start("run") }
        let victim = daemons[0]

        // The victim is killed while it holds leases of transfers it has not committed.
        var leasedAtKill: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, victim.isRunning {
            // (The daemons create the tables: until then the query fails.)
            let leased = ((try? PSQL.query(url, "SELECT url FROM feeds WHERE lease_owner LIKE '%/\(victim.pid)' AND lease_until > now()")) ?? [])
                .compactMap(\.first)
            if !leased.isEmpty, victim.log.contains(where: { $0.event == "fetch" }) {
                victim.kill()
                leasedAtKill = leased
                break
            }
            usleep(20_000)
        }
        try #require(!leasedAtKill.isEmpty, "the victim never held a lease after its first fetch; stderr:\n\(victim.stderr)")

        // Every feed fetched and every committed item archived: the survivors take the victim's feeds after
        // the 10 s lease, and one of them takes the archive's writer lock if the victim held it.
        let expected = Self.hosts * Self.feedsPerHost * Self.itemsPerFeed + Self.wire
        let end = Date().addingTimeInterval(60)
        var archived: [ArchiveRecord] = []
        while Date() < end {
            let fetched = try PSQL.int(url, "SELECT count(*) FROM feeds WHERE last_success_at IS NOT NULL")
            archived = (try? sandbox.archive()) ?? []
            if fetched == feedURLs.count, archived.count >= expected { break }
            usleep(200_000)
        }
        usleep(1_500_000)  // a duplicate written late would show now
        archived = try sandbox.archive()

        let ids = archived.map(\.id)
        #expect(Set(ids).count == ids.count, "archive lines of one item: \(ids.count - Set(ids).count)")
        #expect(Set(ids).count == expected, "unique items archived")
        #expect(try PSQL.int(url, "SELECT count(*) FROM items") == expected)
        #expect(try PSQL.int(url, "SELECT count(*) FROM archive_pending") == 0)
        #expect(try PSQL.int(url, "SELECT count(*) FROM feeds WHERE last_success_at IS NOT NULL") == feedURLs.count)
        let guids = Set(archived.compactMap { $0.fields["guid"]?.string })
        for w in 0..<Self.wire { #expect(guids.contains("wire-\(w)"), "wire story \(w) archived") }
        // Every copy of a wire story is a sighting of its one item: one per feed that carries it.
        #expect(try PSQL.int(url, "SELECT count(*) FROM sightings s JOIN items i ON i.seq = s.item_seq WHERE i.guid LIKE 'wire-%'")
                == Self.hosts * Self.feedsPerHost)

        // The feeds the victim held uncommitted were fetched again by a survivor.
        let survivors = daemons.dropFirst()
        let fetchedBySurvivors = Set(survivors.flatMap { $0.log.filter { $0.event == "fetch" && $0.status == 200 }.compactMap(\.feed) })
        let committedByVictim = Set(victim.log.filter { $0.event == "fetch" && $0.status == 200 }.compactMap(\.feed))
        let takenOver = leasedAtKill.filter { fetchedBySurvivors.contains($0) }
        #expect(!takenOver.isEmpty, "none of the \(leasedAtKill.count) feeds leased by the victim was fetched by another daemon")
        for feed in leasedAtKill {
            #expect(fetchedBySurvivors.contains(feed) || committedByVictim.contains(feed), "\(feed): fetched by nobody")
        }
        // Politeness across daemons: one daemon at a time works a host, so no server saw more requests at
        // once than one daemon's max_per_host (2 by default); three daemons each at their own limit would
        // reach 6.
        for (h, c) in concurrency.enumerated() { #expect(c.peak <= 2, "host \(h): \(c.peak) requests at once") }
        #expect(concurrency.contains { $0.peak == 2 }, "a daemon used both connections of a host")

        // Search finds them, through the store the daemons share (its full-text index).
        let found = try ArchiveOnPostgresTests.run(sandbox, ["archive", "search", "ministers agree", "--json", "--limit", "100"])
        #expect(found.exitCode == 0, "\(found.stderr)")
        let foundGUIDs = Set(try found.jsonLines().compactMap { $0["guid"]?.string })
        #expect(foundGUIDs == Set((0..<Self.wire).map { "wire-\($0)" }), "search finds the wire stories: \(foundGUIDs.sorted())")

        for d in survivors { d.signal(SIGTERM) }
        for d in survivors { #expect(d.waitForExit(timeout: 30) == 0, "a survivor stops cleanly; stderr:\n\(d.stderr)") }
        #expect(try PSQL.int(url, "SELECT count(*) FROM nodes WHERE stopped_at IS NOT NULL") == 2)
    }
}

extension ClusterTests {
    /// A PostgreSQL server of this test's own (`scripts/pg-test-cluster`): restarting the shared one would
    /// break the tests running beside this one.
    final class PrivateServer {
        let dir: URL
        let url: String

        init(in root: URL) throws {
            dir = root.appendingPathComponent("pg")
            let out = try Self.script(["start"], dir: dir)
            guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("export NEWSWIRED_PG_URL=") }) else {
                throw HarnessError("pg-test-cluster start printed no URL: \(out)")
            }
            url = String(line.dropFirst("export NEWSWIRED_PG_URL=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }

        deinit { _ = try? Self.script(["stop", dir.path], dir: dir) }

        func restart() throws { _ = try Self.script(["restart", dir.path], dir: dir) }

        /// Runs the script through `system(3)`, output to files: Foundation's `Process.waitUntilExit` never
        /// returned for this script (its child left a zombie the monitor did not reap).
        @discardableResult
        static func script(_ arguments: [String], dir: URL) throws -> String {
            func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            let out = dir.deletingLastPathComponent().appendingPathComponent("pg-script.out")
            let err = dir.deletingLastPathComponent().appendingPathComponent("pg-script.err")
            let command = (["PG_TEST_CLUSTER_DIR=" + quote(dir.path),
                            quote(Newswired.repoRoot.appendingPathComponent("scripts/pg-test-cluster").path)]
                           + arguments.map(quote) + [">", quote(out.path), "2>", quote(err.path), "</dev/null"]).joined(separator: " ")
            let status = system(command)
            guard status == 0 else {
                let errors = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
                throw HarnessError("pg-test-cluster \(arguments.joined(separator: " ")) (status \(status)): \(errors)")
            }
            return (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        }
    }

    /// The server restarted under a running daemon: it logs the lost store, retries with backoff, and goes on
    /// (new items after the restart are stored and archived once; nothing from before is written again).
    @Test func aDaemonRidesOutARestartOfTheServer() throws {
        guard PSQL.url != nil || PSQL.required else { return }  // (runs where scripts/test provides PostgreSQL)
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        let pg = try PrivateServer(in: sandbox.root)
        let server = try HTTPTestServer()
        let docs = (0..<4).map { k in ConditionalDocument(body: CrashSafetyTests.rss(feed: k, round: 0), etag: "\"r\(k)-0\"") }
        for (k, doc) in docs.enumerated() { server.serve("/r/\(k).rss", doc) }
        try server.start()
        defer { server.stop() }
        try sandbox.writeFeeds((0..<4).map { server.url("/r/\($0).rss") })
        try sandbox.writeConfig("""
            store: \(pg.url)
            poll:
              interval: 1s
              min_interval: 1s
              jitter: 0
            """)
        let daemon = try sandbox.start("run")
        let first = 4 * CrashSafetyTests.itemsPerRound
        try daemon.requireLog(timeout: 30, "the first pass") { _ in ((try? sandbox.archive().count) ?? 0) >= first }

        try pg.restart()
        for (k, doc) in docs.enumerated() {
            doc.update(body: CrashSafetyTests.rss(feed: k, round: 1), etag: "\"r\(k)-1\"", lastModified: nil)
        }
        let both = 2 * first
        let lines = try daemon.requireLog(timeout: 60, "the items published after the restart") { _ in
            ((try? sandbox.archive().count) ?? 0) >= both
        }
        // Whichever of its connections notices first (a claim, the archive's drain, a commit) logs it.
        #expect(lines.contains { $0.level == "error" && ($0["error"] ?? "").contains("127.0.0.1") }, "the lost server is logged")
        let ids = try sandbox.archive().map(\.id)
        #expect(ids.count == both && Set(ids).count == both, "\(ids.count) lines, \(Set(ids).count) items")
        #expect(try PSQL.int(pg.url, "SELECT count(*) FROM items") == both)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 30) == 0)
    }
}


/// Requests a test server serves at once, and the most it ever served at once.
final class Concurrency: @unchecked Sendable {
    // (Guarded by `lock`.)
    private let lock = NSLock()
    private var now = 0
    private var max = 0

    func enter() { lock.withLock { now += 1; max = Swift.max(max, now) } }
    func leave() { lock.withLock { now -= 1 } }
    var peak: Int { lock.withLock { max } }
}
