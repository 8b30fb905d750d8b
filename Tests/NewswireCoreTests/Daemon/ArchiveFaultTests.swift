import Foundation
import Testing
@testable import NewswireCore

/// Faults that heal: archive writes that fail leave the committed items pending in the store, the pipeline
/// retries them while it runs, and a store that fails every commit raises the alarm.
@Suite struct ArchiveFaultTests {
    /// Blocks writing today's (and tomorrow's, should the test cross midnight) day file: a directory where the
    /// file should be fails every open, for root too.
    static func blockDayFiles(_ archive: ArchiveWriter) throws -> [URL] {
        let days = [Date(), Date().addingTimeInterval(86_400)].map { archive.fileURL(day: ISOTime.day($0)) }
        for d in days { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        return days
    }

    @Test func aFailedAppendIsRetriedWhileRunningAndWrittenOnce() throws {
        let t = TempState()
        let pipeline = try Pipeline.fixture(t)
        let blocked = try Self.blockDayFiles(pipeline.archive)
        let feed = FeedConfig(url: "https://wire.example/feed")
        let body = PipelineStoreErrorTests.rss(["AI safety institute tests models", "Export licences for AI chips"])
        #expect(pipeline.handle(feed: feed, outcome: PipelineStoreErrorTests.ok(body, url: feed.url)).newItems == 2)
        pipeline.commitAndArchive()
        #expect(try pipeline.store.unarchivedItems().count == 2, "committed, not archived")
        #expect(pipeline.alarm?.hasPrefix("archive: writes failing") == true)

        // Still failing: another retry changes nothing and loses nothing.
        pipeline.retryArchiveIfDue(force: true)
        #expect(try pipeline.store.unarchivedItems().count == 2)

        for d in blocked { try FileManager.default.removeItem(at: d) }
        pipeline.retryArchiveIfDue(force: true)
        #expect(try pipeline.store.unarchivedItems().isEmpty)
        #expect(pipeline.alarm == nil)
        let lines = try String(contentsOf: pipeline.archive.fileURL(day: ISOTime.day(Date())), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 2)
        #expect(pipeline.errorCount >= 2)
    }

    @Test func aRetryWaitsForItsTime() throws {
        let t = TempState()
        let pipeline = try Pipeline.fixture(t)
        let blocked = try Self.blockDayFiles(pipeline.archive)
        let feed = FeedConfig(url: "https://wire.example/feed")
        _ = pipeline.handle(feed: feed, outcome: PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss(["One item"]), url: feed.url))
        pipeline.commitAndArchive()
        for d in blocked { try FileManager.default.removeItem(at: d) }
        pipeline.retryArchiveIfDue()  // the first retry is 2 s away
        #expect(try pipeline.store.unarchivedItems().count == 1)
        #expect(pipeline.unarchivedCount() == 0, "the end of a pass retries at once")
    }

    @Test func commitsFailingInARowRaiseTheAlarmAndASuccessClearsIt() throws {
        let t = TempState()
        let pipeline = try Pipeline.fixture(t)
        // Every COMMIT fails (a deferred foreign key each new item breaks), as on a store that cannot write.
        try pipeline.store.db.execute("PRAGMA foreign_keys = ON")
        try pipeline.store.db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        try pipeline.store.db.execute("CREATE TABLE child (pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
        try pipeline.store.db.execute("CREATE TRIGGER fail_commits AFTER INSERT ON items BEGIN INSERT INTO child VALUES (42); END")
        func pass(_ n: Int) {
            let feed = FeedConfig(url: "https://wire.example/\(n)")
            _ = pipeline.handle(feed: feed, outcome: PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss(["Item \(n)"]), url: feed.url))
            pipeline.commitAndArchive()
        }
        for n in 1..<Pipeline.alarmAfterFailedCommits { pass(n) }
        #expect(pipeline.alarm == nil, "a failed commit or two is no alarm yet")
        pass(Pipeline.alarmAfterFailedCommits)
        #expect(pipeline.alarm?.hasPrefix("store: the last \(Pipeline.alarmAfterFailedCommits) commits failed") == true)
        #expect(try pipeline.store.itemCount() == 0)
        #expect(pipeline.errorCount == Pipeline.alarmAfterFailedCommits)

        try pipeline.store.db.execute("DROP TRIGGER fail_commits")
        pass(99)
        #expect(pipeline.alarm == nil)
        #expect(try pipeline.store.itemCount() == 1)
    }
}

@Suite struct StateLockTests {
    @Test func aSecondHolderIsRefusedWithTheFirstOnesPID() throws {
        let t = TempState()
        let first = try StateLock(stateDirectory: t.url)
        do {
            _ = try StateLock(stateDirectory: t.url)
            Issue.record("a second lock was granted")
        } catch {
            #expect(error.message.contains("in use by newswired (pid \(getpid()))"), "\(error)")
        }
        withExtendedLifetime(first) {}
    }

    @Test func theLockIsReleasedWithItsHolder() throws {
        let t = TempState()
        do { _ = try StateLock(stateDirectory: t.url) }
        let again = try StateLock(stateDirectory: t.url)
        withExtendedLifetime(again) {}
    }
}

/// `store rebuild`: the items of an archive, with their links, back in an empty store; a new item of the same
/// story afterwards joins it, and nothing is pending for the archive.
@Suite struct StoreRebuildTests {
    @Test func anArchiveRebuildsTheStoreItWasWrittenFrom() throws {
        let t = TempState()
        let pipeline = try Pipeline.fixture(t)
        let feed = FeedConfig(url: "https://wire.example/feed")
        let titles = ["China proposes World AI Cooperation Organization at WAIC in Shanghai",
                      "Premier Li proposes a World AI Cooperation Organization in Shanghai",
                      "Heatwave pushes European power prices to record highs"]
        _ = pipeline.handle(feed: feed, outcome: PipelineStoreErrorTests.ok(PipelineStoreErrorTests.rss(titles), url: feed.url))
        pipeline.commitAndArchive()
        let before = try pipeline.store.db.query("SELECT id, story, near_duplicate_of, relevant, topics FROM items ORDER BY seq")
        let dedupBefore = try pipeline.store.db.int("SELECT count(*) FROM dedup_items")

        let rebuilt = TempState()
        try FileManager.default.copyItem(at: pipeline.archive.directory,
                                         to: rebuilt.url.appendingPathComponent("archive", isDirectory: true))
        let store = try ItemStore(stateDirectory: rebuilt.url)
        let summary = try StoreRebuild(store: store, classifier: pipeline.classifier).run(from: ArchiveReader(stateDirectory: rebuilt.url))
        #expect(summary == StoreRebuild.Summary(lines: 3, items: 3, repeated: 0))
        let after = try store.db.query("SELECT id, story, near_duplicate_of, relevant, topics FROM items ORDER BY seq")
        #expect(after == before)
        #expect(try store.db.int("SELECT count(*) FROM dedup_items") == dedupBefore)
        #expect(try store.db.int("SELECT count(*) FROM sightings") == 3)
        #expect(try store.unarchivedItems().isEmpty)
    }

    @Test func aLineThatIsNotAnArchiveLineIsNamed() throws {
        let t = TempState()
        let archive = ArchiveWriter(stateDirectory: t.url)
        try archive.append([sampleRecord(1)])
        let file = archive.fileURL(day: sampleRecord(1).day)
        let handle = try FileHandle(forWritingTo: file)
        handle.seekToEndOfFile()
        handle.write(Data("{\"schema\":1,\"id\":\"abc\"}\n".utf8))
        try handle.close()
        let store = try ItemStore(stateDirectory: t.url)
        #expect {
            _ = try StoreRebuild(store: store, classifier: TopicClassifier(model: try TopicModel.load(contentsOf: Paths.model)))
                .run(from: ArchiveReader(stateDirectory: t.url))
        } throws: { error in
            "\(error)".contains("\(file.lastPathComponent):2")
        }
        #expect(try store.itemCount() == 0, "nothing half-rebuilt")
    }
}
