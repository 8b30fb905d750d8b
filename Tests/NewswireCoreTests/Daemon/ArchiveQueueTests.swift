import Foundation
import Testing
@testable import NewswireCore

/// The daemon's pipeline appends a committed batch's archive lines on a worker (`ArchiveQueue`) while it stores
/// the next batch: the lines still come out whole, once each, in commit order, and marked archived; an append
/// that fails leaves its items pending for the start-up reconcile, as on the pipeline's own thread.
@Suite struct ArchiveQueueTests {
    static func pipeline(_ t: TempState) throws -> Pipeline {
        let pipeline = try Pipeline.fixture(t)
        pipeline.itemLog.logLevel = .warning  // ~800 `item` lines otherwise, in every test run's output
        return pipeline
    }

    /// Feeds big enough that every one fills a batch (`Pipeline.maxPending`) and is handed to the worker.
    static func feed(_ n: Int) -> (FeedConfig, Result<FetchResponse, FetchError>) {
        let feed = FeedConfig(url: "https://feed\(n).example/rss")
        let titles = (0..<(Pipeline.maxPending + 10)).map { "Story \($0) of feed \(n) on governance" }
        return (feed, PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss(titles), url: feed.url))
    }

    @Test func batchesReachTheArchiveInCommitOrderAndAreMarked() throws {
        let t = TempState()
        let pipeline = try Self.pipeline(t)
        for n in 0..<3 {
            let (feed, outcome) = Self.feed(n)
            #expect(pipeline.handle(feed: feed, outcome: outcome).newItems == Pipeline.maxPending + 10)
        }
        // Each handle flushed its own batch to the worker (the one before marked meanwhile); the last still waits.
        #expect(try pipeline.store.unarchivedItems().count <= Pipeline.maxPending + 10)
        pipeline.commitAndArchive()
        #expect(try pipeline.store.unarchivedItems().isEmpty)
        let file = ArchiveWriter(stateDirectory: t.url).fileURL(day: ISOTime.day(Date()))
        let ids = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { ArchiveWriter.id(ofLine: Array($0.utf8)) }
        let stored = try pipeline.store.db.query("SELECT id FROM items ORDER BY seq").map { $0[0].text }
        #expect(ids == stored)  // every item once, in the order it was committed
        #expect(ids.count == 3 * (Pipeline.maxPending + 10))
    }

    /// Between batches (no batch open), the fetch loop's ticks mark a batch the worker has written at once,
    /// not at the next flush: `archive tail -f` and archived-only reads see it as soon as its lines are synced.
    @Test func aWrittenBatchIsMarkedAtTheNextTick() throws {
        let t = TempState()
        let pipeline = try Self.pipeline(t)
        pipeline.commitIntervalNanoseconds = .max  // no flush by age: only the tick can mark the batch
        let (feed, outcome) = Self.feed(0)
        #expect(pipeline.handle(feed: feed, outcome: outcome).newItems == Pipeline.maxPending + 10)  // handed over
        let deadline = Date().addingTimeInterval(10)
        while try !pipeline.store.unarchivedItems().isEmpty, Date() < deadline {
            usleep(10_000)
            pipeline.commitIfDue()  // a tick of the fetch loop: nothing due, no batch open
        }
        #expect(try pipeline.store.unarchivedItems().isEmpty)
        let file = ArchiveWriter(stateDirectory: t.url).fileURL(day: ISOTime.day(Date()))
        #expect(try String(contentsOf: file, encoding: .utf8).split(separator: "\n").count == Pipeline.maxPending + 10)
    }

    @Test func aFailedAppendLeavesItsItemsForTheReconcile() throws {
        let t = TempState()
        let pipeline = try Self.pipeline(t)
        // A file where the archive directory goes: no day file can be written.
        let dir = ArchiveWriter(stateDirectory: t.url).directory
        try Data("not a directory".utf8).write(to: dir)
        let (feed, outcome) = Self.feed(0)
        #expect(pipeline.handle(feed: feed, outcome: outcome).fetched)
        pipeline.commitAndArchive()
        #expect(try pipeline.store.unarchivedItems().count == Pipeline.maxPending + 10)

        try FileManager.default.removeItem(at: dir)
        #expect(try pipeline.archive.reconcile(store: pipeline.store) == Pipeline.maxPending + 10)
        #expect(try pipeline.store.unarchivedItems().isEmpty)
    }
}
