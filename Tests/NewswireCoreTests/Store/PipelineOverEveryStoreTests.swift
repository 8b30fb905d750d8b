import Foundation
import Testing
@testable import NewswireCore

/// The whole item path (parse, classify, dedup, store, archive) over each backend's storage: the same feed
/// documents, handled in the same order at the same time, give byte-identical archive lines and the same
/// feed states on PostgreSQL as on SQLite.
@Suite struct PipelineOverEveryStoreTests {
    /// Every real feed of the corpus (RSS, RDF, Atom, JSON Feed), then ten again (nothing new: sightings), then one republished under
    /// another feed's URL (syndicated copies).
    static func documents() throws -> [(feed: String, body: Data)] {
        let dir = Paths.shared.appendingPathComponent("corpus/realworld")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix(".md") }.sorted()
        let docs = try files.map { (feed: "http://127.0.0.1/\($0)", body: try Data(contentsOf: dir.appendingPathComponent($0))) }
        let copy = try #require(docs.first { $0.feed.contains("TechCrunch") })
        return docs + docs.prefix(10) + [(feed: "http://127.0.0.1/republisher.xml", body: copy.body)]
    }

    static func run(_ backend: StorageBackend, documents: [(feed: String, body: Data)]) throws -> (lines: [Substring], states: [FeedState], newItems: Int) {
        let t = TempState()
        let (storage, dispose) = try backend.makePipeline()
        defer { dispose() }
        let pipeline = Pipeline(storage: storage, store: try ItemStore(stateDirectory: t.url),
                                archive: ArchiveWriter(stateDirectory: t.url),
                                classifier: TopicClassifier(model: try TopicModel.load(contentsOf: Paths.model)),
                                policy: SchedulePolicy(poll: DaemonConfig.Poll(), backoff: DaemonConfig.Backoff()))
        pipeline.itemLog.logLevel = .warning
        let now = Date(timeIntervalSince1970: 1_753_500_000)
        var newItems = 0
        for (feed, body) in documents {
            newItems += pipeline.handle(feed: FeedConfig(url: feed), outcome: PipelineStoreErrorTests.ok(body, url: feed), now: now).newItems
        }
        pipeline.commitAndArchive()
        #expect(try storage.unarchivedItems().isEmpty)
        let dir = pipeline.archive.fileURL(day: ISOTime.day(now)).deletingLastPathComponent()
        var lines: [Substring] = []
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
            lines += try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8).split(separator: "\n")
        }
        return (lines, try storage.allFeedStates(), newItems)
    }

    @Test func everyStoreArchivesTheCorpusAsSQLiteDoes() throws {
        let documents = try Self.documents()
        let reference = try Self.run(.sqlite, documents: documents)
        #expect(reference.newItems > 500)
        #expect(reference.lines.count == reference.newItems)
        #expect(reference.lines.contains { $0.contains("\"near_duplicate_of\":\"") })  // the republished copies
        for backend in StorageBackend.available where backend != .sqlite {
            let got = try Self.run(backend, documents: documents)
            #expect(got.newItems == reference.newItems)
            #expect(got.lines == reference.lines, "\(backend.rawValue): archive lines differ from sqlite")
            // Feed states as stored, apart from the next due time, which the schedule jitters at random.
            func unjittered(_ states: [FeedState]) -> [FeedState] { states.map { var s = $0; s.nextDueAt = nil; return s } }
            #expect(unjittered(got.states) == unjittered(reference.states))
            #expect(got.states.map { $0.nextDueAt != nil } == reference.states.map { $0.nextDueAt != nil })
        }
    }
}

/// `store copy`: an SQLite store copied into PostgreSQL goes on as the original does.
@Suite(.enabled(if: StorageBackend.pgURL != nil, "NEWSWIRED_PG_URL not set: no PostgreSQL server to test"))
struct StoreCopyTests {
    @Test func aCopiedStoreDecidesTheNextItemsAsTheOriginal() throws {
        let documents = try PipelineOverEveryStoreTests.documents()
        let (first, second) = (Array(documents.prefix(60)), Array(documents.dropFirst(60)))
        let now = Date(timeIntervalSince1970: 1_753_500_000)
        let t = TempState()
        let sqlite = try ItemStore(stateDirectory: t.url)
        let model = try TopicModel.load(contentsOf: Paths.model)
        func pipeline(_ storage: any PipelineStorage, _ dir: TempState) throws -> Pipeline {
            let p = Pipeline(storage: storage, store: sqlite, archive: ArchiveWriter(stateDirectory: dir.url),
                             classifier: TopicClassifier(model: model),
                             policy: SchedulePolicy(poll: DaemonConfig.Poll(), backoff: DaemonConfig.Backoff()))
            p.itemLog.logLevel = .warning
            return p
        }
        @discardableResult
        func handle(_ p: Pipeline, _ docs: [(feed: String, body: Data)]) -> Int {
            var n = 0
            for (feed, body) in docs { n += p.handle(feed: FeedConfig(url: feed), outcome: PipelineStoreErrorTests.ok(body, url: feed), now: now).newItems }
            p.commitAndArchive()
            #expect(p.errorCount == 0)
            return n
        }
        let original = try pipeline(sqlite, t)
        handle(original, first)

        let url = try #require(StorageBackend.pgURL)
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let pg = try PostgresStore(url: url, schema: schema)
        defer { try? pg.db.execute("DROP SCHEMA \(schema) CASCADE") }
        let summary = try pg.copy(from: sqlite)
        #expect(summary.rows["items"] == (try sqlite.itemCount()))
        #expect((summary.rows["items"] ?? 0) > 200)
        #expect(summary.rows["dedup_items"] == summary.rows["items"])
        #expect(try pg.allFeedStates() == (try sqlite.allFeedStates()))
        #expect(throws: StoreError.self) { try pg.copy(from: sqlite) }  // the target is no longer empty

        // The rest of the documents into both: the same new items, the same decisions, line for line.
        let copyDir = TempState()
        let expected = handle(original, second)
        #expect(expected > 100)
        #expect(handle(try pipeline(pg, copyDir), second) == expected)
        func lines(_ dir: URL) throws -> [Substring] {
            let archive = ArchiveWriter(stateDirectory: dir).fileURL(day: ISOTime.day(now)).deletingLastPathComponent()
            return try FileManager.default.contentsOfDirectory(atPath: archive.path).sorted().flatMap {
                try String(contentsOf: archive.appendingPathComponent($0), encoding: .utf8).split(separator: "\n")
            }
        }
        let all = try lines(t.url)
        let copied = try lines(copyDir.url)
        #expect(!copied.isEmpty)
        #expect(Array(all.suffix(copied.count)) == copied)
        #expect(try pg.unarchivedItems().isEmpty)
    }
}
