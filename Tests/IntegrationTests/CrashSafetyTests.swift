import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// "A crash at any instant loses no item and duplicates none": `once` passes killed with SIGKILL at random
/// moments, while the feeds keep publishing, then one clean pass; the archive must hold every item exactly once,
/// no torn line, and agree with the store.
@Suite struct CrashSafetyTests {
    static let feedCount = 10
    static let rounds = 8
    static let itemsPerRound = 3

    /// Feed `feed` after `round` rounds of publishing: `(round + 1) * itemsPerRound` items, newest first.
    static func rss(feed: Int, round: Int) -> String {
        let items = (0..<(round + 1) * itemsPerRound).reversed().map { n in
            """
                <item>
                  <title>Bulletin \(feed)-\(n): council \(feed) publishes decision \(n) on algorithmic accountability</title>
                  <link>https://bulletins.example/\(feed)/\(n)</link>
                  <guid isPermaLink="false">bulletin-\(feed)-\(n)</guid>
                  <description>Decision \(n) of council \(feed) sets out \(n + 2) measures, reference \(feed * 1000 + n).</description>
                </item>
            """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0"><channel><title>Bulletins \(feed)</title><link>https://bulletins.example/\(feed)/</link>
            <description>Generated for the crash-safety test.</description>
            \(items)
            </channel></rss>
            """
    }

    @Test func killedPassesLoseNoItemAndDuplicateNone() throws {
        let server = try HTTPTestServer()
        let documents = (0..<Self.feedCount).map { k in
            ConditionalDocument(body: Self.rss(feed: k, round: 0), etag: "\"b\(k)-0\"")
        }
        for (k, doc) in documents.enumerated() {
            // Answers spread over ~60 ms, so that kills land between, during and after transfers and commits.
            server.route("/bulletins/\(k).rss") { request in
                usleep(UInt32.random(in: 0..<60_000))
                return doc.respond(to: request)
            }
        }
        try server.start()
        defer { server.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds((0..<Self.feedCount).map { server.url("/bulletins/\($0).rss") })

        var kills: [String] = []
        for round in 0..<Self.rounds {
            for (k, doc) in documents.enumerated() {
                doc.update(body: Self.rss(feed: k, round: round), etag: "\"b\(k)-\(round)\"", lastModified: nil)
            }
            let pass = try sandbox.start("once")
            let delay = UInt32.random(in: 30_000..<200_000) // a debug build takes ~80 ms to its first fetch
            usleep(delay)
            let finished = !pass.isRunning
            pass.signal(SIGKILL)
            let status = pass.waitForExit(timeout: 5)
            kills.append("round \(round): \(finished ? "finished before" : "killed at") \(delay / 1000) ms (status \(status.map(String.init) ?? "?"))")
        }
        let final = try sandbox.once()
        #expect(final.exitCode == 0, "stderr:\n\(final.stderr)")

        let (records, issues) = try Archive.read(stateDir: sandbox.state)
        #expect(issues.isEmpty, "after the clean pass: \(issues); \(kills)")
        let expected = Self.feedCount * Self.rounds * Self.itemsPerRound
        #expect(records.count == expected, "\(kills)")
        #expect(Set(records.map(\.id)).count == records.count, "no item archived twice; \(kills)")
        #expect(Set(records.compactMap { $0["guid"]?.string }).count == expected, "every item archived; \(kills)")
        let stored = try Store.query("SELECT count(*) FROM items", stateDir: sandbox.state)
        #expect(stored.first?.first == String(expected), "store and archive agree; \(kills)")
        for record in records { #expect(record.contractViolations() == [], "\(record.line)") }
    }
}
