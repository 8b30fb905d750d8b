import Foundation
import Testing
@testable import NewswireCore

/// `PipelineStorage` and `ArchiveStorage` on every backend (see `StorageBackend`): batches with an entry's
/// savepoint, items and their archive-pending state, sightings.
@Suite struct PipelineStorageContractTests {
    static func record(_ id: String, title: String?, feed: String = "http://127.0.0.1/a.xml", guid: String? = nil) -> ArchiveRecord {
        ArchiveRecord(
            id: id, feed: feed, guid: guid, url: "https://example.org/\(id)", title: title,
            published: Date(timeIntervalSince1970: 1_753_400_000), fetched: Date(timeIntervalSince1970: 1_753_500_000),
            author: "Ana Ruiz", categories: ["World", "Ünïcode \"quoted\""], summary: "Line one\nline two",
            content: nil, relevant: true, relevance: 0.123456789012345,
            topics: [TopicScore(id: "governance-body", score: 0.8125, terms: ["summit", "cooperation"])],
            nearDuplicateOf: nil, revisionOf: nil, story: id)
    }

    struct Boom: Error {}

    /// What a batch of three entries, the second failing, leaves in the store.
    static func batch(_ backend: StorageBackend) throws -> (unarchived: [ArchiveRecord], hasB: Bool, newest: String?, afterMark: [String]) {
        let (s, dispose) = try backend.makePipeline()
        defer { dispose() }
        try s.beginBatch()
        try s.savepoint {
            try s.insertItem(record("a", title: "Alpha ✓", guid: "g"), language: "en")
            try s.recordSighting(itemID: "a", feedURL: "http://127.0.0.1/a.xml", guid: "g", url: nil, at: Date(timeIntervalSince1970: 1_753_500_000))
        }
        #expect(throws: Boom.self) {
            try s.savepoint {
                try s.insertItem(record("b", title: "Beta"), language: nil)
                throw Boom()
            }
        }
        try s.savepoint {
            try s.insertItem(record("c", title: nil, guid: "g"), language: nil)
            try s.recordSighting(itemID: "c", feedURL: "http://127.0.0.1/a.xml", guid: "g", url: "https://example.org/c2", at: Date(timeIntervalSince1970: 1_753_500_060))
            try s.recordSighting(itemID: "c", feedURL: "http://127.0.0.1/a.xml", guid: "g", url: nil, at: Date(timeIntervalSince1970: 1_753_500_120))
        }
        try s.commitBatch()
        let unarchived = try s.unarchivedItems()
        let newest = try s.itemID(feedURL: "http://127.0.0.1/a.xml", guid: "g")
        let hasB = try s.containsItem(id: "b")
        // Where the line is matters to a reader of the text only; this reads the pending items.
        try s.markArchived([ArchivedLine(id: "a", location: ArchiveLineLocation(day: "2025-07-26", offset: 0, length: 1))])
        return (unarchived, hasB, newest, try s.unarchivedItems().map(\.id))
    }

    @Test(arguments: StorageBackend.available)
    func aBatchKeepsItsEntriesButTheOneThatFailed(_ backend: StorageBackend) throws {
        let got = try Self.batch(backend)
        #expect(got.unarchived.map(\.id) == ["a", "c"])
        #expect(got.unarchived.first == Self.record("a", title: "Alpha ✓", guid: "g"))
        #expect(!got.hasB)
        #expect(got.newest == "c")  // the newest item under the feed's GUID
        #expect(got.afterMark == ["c"])
        if backend != .sqlite {
            let reference = try Self.batch(.sqlite)
            #expect(got.unarchived == reference.unarchived)
        }
    }

    @Test(arguments: StorageBackend.available)
    func aRolledBackBatchLeavesNothing(_ backend: StorageBackend) throws {
        let (s, dispose) = try backend.makePipeline()
        defer { dispose() }
        try s.beginBatch()
        try s.insertItem(Self.record("a", title: "A"), language: nil)
        s.rollbackBatch()
        #expect(try !s.containsItem(id: "a"))
        #expect(try s.unarchivedItems().isEmpty)
        try s.transaction { try s.insertItem(Self.record("a", title: "A"), language: nil) }
        #expect(try s.containsItem(id: "a"))
    }

    /// The deduper inside one transaction (its caches follow the store's transactions): the dev set decides
    /// as on SQLite.
    @Test func theDedupDevSetInOneTransactionDecidesAsOnSQLite() throws {
        let items = try DedupEvaluation.loadItems(DedupEvalTests.evalDir.appendingPathComponent("dedup-dev.jsonl").path)
        let now = Date(timeIntervalSince1970: 1_753_500_000)
        func run(_ backend: StorageBackend) throws -> [String] {
            let (s, dispose) = try backend.makePipeline()
            defer { dispose() }
            return try s.transaction { try DedupStorageContractTests.decisions(over: s, items: items, now: now) }
        }
        let reference = try run(.sqlite)
        #expect(reference == (try DedupStorageContractTests.decisions(.sqlite, items: items, now: now)))
        for backend in StorageBackend.available where backend != .sqlite {
            #expect(try run(backend) == reference, "\(backend.rawValue) differs from sqlite")
        }
    }
}

extension StorageBackend {
    func makePipeline() throws -> (storage: PipelineStorage, dispose: () -> Void) {
        let (s, dispose) = try make()
        return (s as! PipelineStorage, dispose)
    }
}
