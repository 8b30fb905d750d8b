import Foundation
import Logging
import Synchronization
import Testing
@testable import NewswireCore

/// `item` lines are logged once a batch has committed (by the archive worker when there is one), one per new
/// item, with the feed and the `fetch=N` of that feed's `fetch` line; a batch that is rolled back logs none, so
/// an item fetched again after a failed commit is not logged twice.
@Suite struct ItemLogLinesTests {
    /// What a logger was asked to log: event and metadata, in order.
    final class Captured: Sendable {
        let lines = Mutex<[(event: String, metadata: [String: String])]>([])
        func events(_ name: String) -> [[String: String]] {
            lines.withLock { $0.filter { $0.event == name }.map(\.metadata) }
        }
    }

    struct CapturingHandler: LogHandler {
        let captured: Captured
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            captured.lines.withLock { $0.append((event.message.description, all.mapValues { "\($0)" })) }
        }
    }

    static func pipeline(_ t: TempState, captured: Captured) throws -> Pipeline {
        let pipeline = try Pipeline.fixture(t)
        pipeline.itemLog = Logger(label: "item") { _ in CapturingHandler(captured: captured) }
        pipeline.fetchLog = Logger(label: "fetch") { _ in CapturingHandler(captured: captured) }
        pipeline.storeLog = Logger(label: "store") { _ in CapturingHandler(captured: captured) }
        pipeline.commitIntervalNanoseconds = .max  // commits only when asked (or at `maxPending`)
        return pipeline
    }

    static func feed(_ n: Int, items: Int) -> (FeedConfig, Result<FetchResponse, FetchError>) {
        let feed = FeedConfig(url: "https://feed\(n).example/rss")
        let titles = (0..<items).map { "Item \($0) of feed \(n) on AI governance" }
        return (feed, PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss(titles), url: feed.url))
    }

    @Test func linesComeAfterTheCommitOncePerItemWithTheirFeedAndFetch() throws {
        let t = TempState(), captured = Captured()
        let pipeline = try Self.pipeline(t, captured: captured)
        let (a, outcomeA) = Self.feed(1, items: 3), (b, outcomeB) = Self.feed(2, items: 2)
        #expect(pipeline.handle(feed: a, outcome: outcomeA).newItems == 3)
        #expect(pipeline.handle(feed: b, outcome: outcomeB).newItems == 2)
        #expect(captured.events("fetch").count == 2)
        #expect(captured.events("item").isEmpty, "nothing is logged before the batch commits")

        pipeline.commitAndArchive()
        let items = captured.events("item")
        #expect(items.count == 5)
        let fetchOf = Dictionary(uniqueKeysWithValues: captured.events("fetch").map { ($0["feed"] ?? "", $0["fetch"] ?? "") })
        for line in items {
            #expect(line["fetch"] == fetchOf[line["feed"] ?? ""], "the item line carries its feed's fetch number: \(line)")
        }
        #expect(items.filter { $0["feed"] == a.url }.count == 3)
        let stored = try pipeline.store.db.query("SELECT id FROM items ORDER BY seq").map { $0[0].text ?? "" }
        #expect(items.compactMap { $0["id"] } == stored, "one line per stored item, in commit order")

        // Each line names the terms that decided its topics: the archive record's topics[].terms.
        let records = try pipeline.store.db.query("SELECT id, topics FROM items ORDER BY seq")
        for (line, row) in zip(items, records) {
            let topics = ArchiveRecord.topics(fromJSON: row[1].text ?? "[]")
            #expect(line["terms"] == (topics.isEmpty ? nil : ItemLogLines.topicTerms(topics)), "\(line)")
            for t in topics { #expect(line["terms"]?.contains("\(t.id): " + t.terms.joined(separator: ", ")) == true) }
        }
        #expect(items.contains { $0["terms"] != nil }, "the AI-governance titles carry topics")

        // The same feed again: nothing new, nothing logged.
        #expect(pipeline.handle(feed: a, outcome: outcomeA).newItems == 0)
        pipeline.commitAndArchive()
        #expect(captured.events("item").count == 5)
    }

    @Test func aBatchThatIsRolledBackLogsNoItems() throws {
        let t = TempState(), captured = Captured()
        let pipeline = try Self.pipeline(t, captured: captured)
        // An item titled "doomed" breaks a deferred foreign key: its batch fails at COMMIT, not before.
        try pipeline.store.db.execute("""
            CREATE TABLE doom_parent(id INTEGER PRIMARY KEY);
            CREATE TABLE doom_child(parent INTEGER REFERENCES doom_parent(id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TRIGGER doom AFTER INSERT ON items WHEN new.title = 'doomed' BEGIN INSERT INTO doom_child VALUES(42); END;
            """)
        let feed = FeedConfig(url: "https://doomed.example/rss")
        let outcome = PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss(["kept until the commit", "doomed"]), url: feed.url)
        #expect(pipeline.handle(feed: feed, outcome: outcome).newItems == 2)
        pipeline.commitAndArchive()
        #expect(try pipeline.store.db.int("SELECT count(*) FROM items") == 0, "the batch was rolled back")
        #expect(captured.events("item").isEmpty, "rolled-back items are not logged")
        #expect(captured.events("store").first?["rolled_back"] == "2")

        // Fetched again once the fault is gone: logged now, once.
        try pipeline.store.db.execute("DROP TRIGGER doom")
        #expect(pipeline.handle(feed: feed, outcome: outcome).newItems == 2)
        pipeline.commitAndArchive()
        #expect(captured.events("item").compactMap { $0["title"] } == ["kept until the commit", "doomed"])
    }
}

/// An unsafe link never reaches the archive: the item is archived without a `url`, and the feed's `fetch` line
/// counts what was dropped.
@Suite struct PipelineUnsafeURLTests {
    @Test func aJavascriptLinkIsArchivedWithoutURLAndCounted() throws {
        let t = TempState(), captured = ItemLogLinesTests.Captured()
        let pipeline = try ItemLogLinesTests.pipeline(t, captured: captured)
        let feed = FeedConfig(url: "https://feed.example/rss")
        let body = Data("""
        <rss version="2.0"><channel><title>t</title>
        <item><title>AI governance summit opens</title><link>javascript:alert('link')</link><guid>g1</guid>
        <description>Delegates meet to discuss international cooperation on AI rules.</description></item>
        <item><title>Export controls on chips</title><link>/story/2</link><guid>g2</guid>
        <description>New rules for advanced chips and AI governance.</description></item>
        </channel></rss>
        """.utf8)
        #expect(pipeline.handle(feed: feed, outcome: PipelineStoreErrorTests.ok(body, url: feed.url)).newItems == 2)
        #expect(captured.events("fetch").first?["unsafe_urls"] == "1")
        pipeline.commitAndArchive()
        let urls = try pipeline.store.db.query("SELECT url FROM items ORDER BY seq").map { $0[0].text }
        #expect(urls == [nil, "https://feed.example/story/2"])
        #expect(captured.events("item").map { $0["url"] ?? "-" } == ["", "https://feed.example/story/2"])
    }
}
