import Foundation
import Testing
@testable import NewswireCore

/// A store error while a feed's items are written: each item is in a savepoint of its own, so the failing
/// item leaves nothing behind, the items before it are kept (committed, archived, logged), the feed's state is
/// not advanced (its validators stay, so it is fetched again in full), and other feeds are unaffected.
@Suite struct PipelineStoreErrorTests {
    static func rss(_ titles: [String]) -> Data {
        let items = titles.enumerated().map { i, t in
            "<item><title>\(t)</title><link>https://example.org/\(i)</link><guid>g\(i)</guid>"
                + "<description>\(t): a body long enough to say something about item number \(i).</description></item>"
        }.joined()
        return Data("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\(items)</channel></rss>".utf8)
    }

    static func ok(_ body: Data, url: String) -> Result<FetchResponse, FetchError> {
        .success(FetchResponse(status: 200, headers: ["etag": "\"v1\""], body: body, effectiveURL: url, redirects: 0, elapsedMs: 1))
    }

    @Test func aFailingItemUndoesOnlyItselfAndStopsOnlyItsFeed() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        // Any item titled "poison" cannot be stored (what a constraint bug would look like).
        try store.db.execute("""
            CREATE TRIGGER poison BEFORE INSERT ON items WHEN new.title = 'poison'
            BEGIN SELECT RAISE(ABORT, 'poisoned item'); END;
            """)
        let pipeline = Pipeline(store: store, archive: ArchiveWriter(stateDirectory: t.url),
                                classifier: TopicClassifier(model: try TopicModel.load(contentsOf: Paths.model)),
                                policy: SchedulePolicy(poll: DaemonConfig.Poll(), backoff: DaemonConfig.Backoff()))
        let bad = FeedConfig(url: "https://bad.example/feed"), good = FeedConfig(url: "https://good.example/feed")

        let r1 = pipeline.handle(feed: bad, outcome: Self.ok(Self.rss(["first kept", "poison", "never reached"]), url: bad.url))
        let r2 = pipeline.handle(feed: good, outcome: Self.ok(Self.rss(["other feed item"]), url: good.url))
        pipeline.commitAndArchive()

        #expect(!r1.fetched)
        #expect(r2.fetched && r2.newItems == 1)
        let titles = try store.db.query("SELECT title FROM items ORDER BY seq").map { $0[0].text ?? "" }
        #expect(titles == ["first kept", "other feed item"])
        #expect(try store.unarchivedItems().isEmpty)  // both kept items reached the archive
        let archived = try String(contentsOf: ArchiveWriter(stateDirectory: t.url).fileURL(day: ISOTime.day(Date())), encoding: .utf8)
        #expect(archived.split(separator: "\n").count == 2)
        #expect(try store.feedState(url: bad.url) == nil)  // not advanced: fetched again in full next time
        #expect(try store.feedState(url: good.url)?.etag == "\"v1\"")
        // The failed item left no trace in the dedup indexes either.
        #expect(try store.db.int("SELECT count(*) FROM dedup_items") == 2)
    }
}
