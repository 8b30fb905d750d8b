import Foundation
import Testing
@testable import NewswireCore

/// Story document frequencies: cached, incremented in memory during a transaction and written back at its
/// commit; what a reader sees is always what the SQL upsert per item used to give.
@Suite struct DocumentFrequencyTests {
    func register(_ id: String, terms: [Int64], in dedup: DedupIndex) throws {
        try dedup.registerDedup(DedupEntry(itemID: id, root: id, story: id), vector: [],
                                keys: [], terms: terms, postings: [], fetched: 0)
    }

    func stored(_ term: Int64, _ store: ItemStore) throws -> Int64? {
        try store.db.int("SELECT df FROM story_df WHERE term = ?", [.integer(term)])
    }

    @Test func countsAreWrittenAtCommitAndReadBeforeIt() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        try register("a", terms: [1, 2], in: dedup)  // outside a transaction: written at once
        #expect(try stored(1, store) == 1)
        #expect(try dedup.storyDocumentFrequencies(terms: [1, 2, 3]) == [1: 1, 2: 1, 3: 0])

        try store.beginBatch()
        try register("b", terms: [1, 3], in: dedup)
        try store.savepoint { try register("c", terms: [3, 4], in: dedup) }
        #expect(try dedup.storyDocumentFrequencies(terms: [1, 2, 3, 4, 5]) == [1: 2, 2: 1, 3: 2, 4: 1, 5: 0])
        #expect(try stored(3, store) == nil)  // not yet written
        try store.commitBatch()
        #expect(try stored(1, store) == 2)
        #expect(try stored(3, store) == 2)
        #expect(try stored(4, store) == 1)
        #expect(try dedup.storyDocumentFrequencies(terms: [1, 3, 4]) == [1: 2, 3: 2, 4: 1])
    }

    @Test func aRolledBackSavepointOrBatchTakesItsCountsBack() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        try register("a", terms: [1], in: dedup)
        try store.beginBatch()
        _ = try dedup.storyDocumentFrequencies(terms: [1, 2])  // cached
        try register("b", terms: [1, 2], in: dedup)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.savepoint {
                try register("c", terms: [1, 2, 9], in: dedup)
                throw Boom()
            }
        }
        #expect(try dedup.storyDocumentFrequencies(terms: [1, 2, 9]) == [1: 2, 2: 1, 9: 0])
        store.rollbackBatch()
        #expect(try dedup.storyDocumentFrequencies(terms: [1, 2, 9]) == [1: 1, 2: 0, 9: 0])
        #expect(try store.db.int("SELECT count(*) FROM story_df") == 1)

        // The same through `transaction`, which rolls back on an error.
        #expect(throws: Boom.self) {
            try store.transaction {
                try register("d", terms: [1], in: dedup)
                throw Boom()
            }
        }
        #expect(try dedup.storyDocumentFrequencies(terms: [1]) == [1: 1])
        try store.transaction { try register("e", terms: [1], in: dedup) }
        #expect(try stored(1, store) == 2)
    }

    /// A second writer (another process, here another connection) changes counts this one has cached: the
    /// next transaction starts from the stored values.
    @Test func anotherWritersCommitEmptiesTheCache() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        try register("a", terms: [7], in: dedup)
        #expect(try dedup.storyDocumentFrequencies(terms: [7]) == [7: 1])  // cached
        do {
            let other = try ItemStore(stateDirectory: t.url)
            let otherDedup = DedupIndex(storage: other)
            try other.transaction { try register("b", terms: [7], in: otherDedup) }
        }
        try store.beginBatch()
        #expect(try dedup.storyDocumentFrequencies(terms: [7]) == [7: 2])
        try store.commitBatch()
    }

    @Test func theCacheStaysBounded() {
        var df = DocumentFrequencies()
        let terms = (0..<Int64(DocumentFrequencies.cacheLimit)).map { $0 }
        for t in terms { _ = df.remember(t, stored: 0) }
        #expect(df.cache.count == DocumentFrequencies.cacheLimit)
        #expect(df.remember(-1, stored: 5) == 5)
        #expect(df.remember(-2, stored: 0) == 0)
        #expect(df.cache.count == 2)  // emptied, then refilled with the terms in use
        #expect(df.lookup([-1, -2, 7]) == [5, 0, nil])
    }
}
