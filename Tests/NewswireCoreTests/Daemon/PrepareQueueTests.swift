import Foundation
import Testing
@testable import NewswireCore

/// Outcomes prepared on the worker come back in the order they were submitted, prepared ahead
/// (classification and dedup input computed), and only once each.
@Suite struct PrepareQueueTests {
    @Test func preparedOutcomesComeBackInSubmissionOrder() throws {
        let classifier = TopicClassifier(model: try TopicModel.load(contentsOf: Paths.model))
        let queue = PrepareQueue()
        #expect(queue.next(wait: true) == nil)  // nothing in flight: never blocks
        let feeds = (0..<12).map { FeedConfig(url: "https://example.org/\($0)") }
        for (i, feed) in feeds.enumerated() {
            // Every third outcome a failure (nothing to parse), the others a feed of i + 1 items.
            let outcome: Result<FetchResponse, FetchError> = i % 3 == 2
                ? .failure(FetchError(.timeout, "slow"))
                : PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss((0...i).map { "Item \($0) of feed \(i)" }), url: feed.url)
            queue.submit(feed: feed, outcome: outcome, classifier: classifier, deduper: Deduper())
        }
        #expect(queue.inFlight == 12)
        var taken: [Pipeline.PreparedFetch] = []
        while let p = queue.next(wait: true) { taken.append(p) }
        #expect(queue.inFlight == 0)
        #expect(taken.map(\.feed) == feeds)
        for (i, p) in taken.enumerated() {
            if i % 3 == 2 {
                #expect(p.parsed == nil && p.entries.isEmpty)
            } else {
                #expect(p.entries.count == i + 1)
                #expect(p.entries.allSatisfy { $0.classification != nil && $0.dedup != nil })
                #expect(p.entries.first?.id == ContentHash.of(p.entries[0].entry))
            }
        }
    }
}

/// The prepare worker skips classifying and fingerprinting entries the store already has (`ItemLookupConnection`, a
/// read-only connection): what it knows is what is committed, and the store's thread still decides.
@Suite struct StoredItemsTests {
    static func pipeline(_ t: TempState) throws -> Pipeline {
        let pipeline = try Pipeline.fixture(t)
        pipeline.itemLog.logLevel = .warning
        pipeline.fetchLog.logLevel = .warning
        return pipeline
    }

    static let feed = FeedConfig(url: "https://wire.example/rss")
    static func outcome(_ titles: [String]) -> Result<FetchResponse, FetchError> {
        PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss(titles), url: feed.url)
    }

    @Test func storedEntriesAreNotPreparedAgainAndTheStoreStillDecides() throws {
        let t = TempState()
        let pipeline = try Self.pipeline(t)
        let old = ["AI governance talks open in Shanghai", "Export controls on chips tighten"]
        #expect(pipeline.handle(feed: Self.feed, outcome: Self.outcome(old)).newItems == 2)
        pipeline.commitAndArchive()

        let stored = try ItemLookupConnection(path: pipeline.store.path)
        let both = Self.outcome(old + ["A new body for AI cooperation is proposed"])
        let prepared = Pipeline.prepare(feed: Self.feed, outcome: both, classifier: pipeline.classifier, deduper: pipeline.deduper,
                                        stored: stored)
        #expect(prepared.entries.count == 3)
        #expect(prepared.entries.prefix(2).allSatisfy { $0.classification == nil && $0.dedup == nil }, "known: not prepared")
        #expect(prepared.entries[2].classification != nil && prepared.entries[2].dedup != nil, "new: prepared")

        let r = pipeline.handle(prepared)
        pipeline.commitAndArchive()
        #expect(r.newItems == 1 && r.duplicates == 2)
        let row = try #require(try pipeline.store.db.query(
            "SELECT relevance, topics FROM items WHERE title = 'A new body for AI cooperation is proposed'").first)
        let full = Pipeline.prepare(feed: Self.feed, outcome: both, classifier: pipeline.classifier, deduper: pipeline.deduper)
        let expected = try #require(full.entries[2].classification)
        #expect(row[0].double == expected.relevance, "classified as the worker prepared it")
        #expect(row[1].text == ArchiveRecord.topicsJSON(expected.topics))
        #expect(try pipeline.store.db.int("SELECT sum(count) FROM sightings") == 5, "the known entries were seen again")
    }

    @Test func onlyWhatIsCommittedCountsAsStored() throws {
        let t = TempState()
        let pipeline = try Self.pipeline(t)
        let stored = try ItemLookupConnection(path: pipeline.store.path)
        let entry = Pipeline.prepare(feed: Self.feed, outcome: Self.outcome(["AI safety institute opens"]),
                                     classifier: pipeline.classifier, deduper: pipeline.deduper).entries[0]
        #expect(!stored.contains(id: entry.id))

        pipeline.commitIntervalNanoseconds = .max
        #expect(pipeline.handle(feed: Self.feed, outcome: Self.outcome(["AI safety institute opens"])).newItems == 1)
        #expect(try pipeline.store.containsItem(id: entry.id))  // in the open batch
        #expect(!stored.contains(id: entry.id), "not committed yet: prepared in full")
        pipeline.commitAndArchive()
        #expect(stored.contains(id: entry.id))
        #expect(!stored.contains(id: String(repeating: "0", count: 64)))
    }
}
