import Foundation
import Testing
@testable import NewswireCore

/// The story lookup's cache of decoded vectors (`StoryVectorCache`): what it returns is what `dedup_items`
/// holds, through savepoints and transactions rolled back, whose sequence numbers the next items reuse.
@Suite struct StoryVectorCacheTests {
    static func vector(_ terms: [Int64: Double]) -> StoryClusterer.Vector { StoryClusterer.Vector(weights: terms) }

    func register(_ id: String, story: String, _ v: StoryClusterer.Vector, in dedup: DedupIndex) throws {
        try dedup.registerDedup(DedupEntry(itemID: id, root: id, story: story), vector: v.encoded,
                                keys: [], terms: Array(v.weights.keys), fetched: 1_753_500_000)
    }

    /// Reads a candidate the way the store does without the cache.
    func stored(seq: Int64, in store: ItemStore) throws -> (story: String, keys: [Int64], values: [Double])? {
        guard let (story, vector) = try store.storyVector(seq: seq), case .encoded(let b) = vector else { return nil }
        let v = StoryClusterer.Sorted(encoded: b)
        return (story, v.keys, v.values)
    }

    func seq(_ id: String, in store: ItemStore) throws -> Int64 {
        try #require(try store.db.int("SELECT seq FROM dedup_items WHERE item_id = ?", [.text(id)]))
    }

    @Test func aRolledBackRegistrationLeavesNothingForTheItemThatReusesItsNumber() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        try store.transaction { try register("a", story: "s-a", Self.vector([1: 0.6, 2: 0.8]), in: dedup) }

        // A savepoint undone: its item's number goes back to SQLite and to the next item.
        try store.beginBatch()
        var undone: Int64 = 0
        #expect(throws: (any Error).self) {
            try store.savepoint {
                try register("b", story: "s-b", Self.vector([3: 1.0]), in: dedup)
                undone = store.db.lastInsertRowID
                #expect(try dedup.storyCandidate(seq: undone)?.story == "s-b")  // its own savepoint sees it
                throw StoreError(path: store.path, message: "poisoned entry")
            }
        }
        #expect(try dedup.storyCandidate(seq: undone) == nil)  // gone with its row
        try store.savepoint { try register("c", story: "s-c", Self.vector([4: 0.28, 5: 0.96]), in: dedup) }
        try store.commitBatch()
        let c = try seq("c", in: store)
        #expect(c == undone)  // SQLite gave the undone number to the next item
        let cached = try #require(try dedup.storyCandidate(seq: c))
        #expect(cached.story == "s-c")
        #expect(cached.vector.keys == [4, 5])

        // A whole batch rolled back, then the same numbers reused after it.
        try store.beginBatch()
        try store.savepoint { try register("d", story: "s-d", Self.vector([6: 1.0]), in: dedup) }
        let rolledBack = store.db.lastInsertRowID
        store.rollbackBatch()
        #expect(try dedup.storyCandidate(seq: rolledBack) == nil)
        try store.transaction { try register("e", story: "s-e", Self.vector([7: 1.0]), in: dedup) }
        for id in ["a", "c", "e"] {
            let s = try seq(id, in: store)
            let fromCache = try #require(try dedup.storyCandidate(seq: s))
            let fromRow = try #require(try stored(seq: s, in: store))
            #expect(fromCache.story == fromRow.story)
            #expect(fromCache.vector.keys == fromRow.keys)
            #expect(fromCache.vector.values == fromRow.values)
        }
        #expect(try store.db.int("SELECT count(*) FROM dedup_items") == 3)
    }

    @Test func keepsTheNewestCommittedEntriesAndSeesTheOpenTransactionsOwn() {
        var cache = StoryVectorCache()
        let v = StoryClusterer.Sorted(Self.vector([1: 1.0]))
        for s in 1...Int64(StoryVectorCache.capacity + 10) { cache.add(seq: s, story: "s\(s)", vector: v) }
        #expect(cache.entry(seq: 1)?.story == "s1")  // pending: visible to the transaction that added it
        cache.commit()
        #expect(cache.entry(seq: 10) == nil)  // the oldest beyond capacity left
        #expect(cache.entry(seq: 11)?.story == "s11")
        #expect(cache.entry(seq: Int64(StoryVectorCache.capacity + 10))?.story == "s\(StoryVectorCache.capacity + 10)")
        let mark = cache.mark
        cache.add(seq: 5_000, story: "pending", vector: v)
        cache.undo(to: mark)
        #expect(cache.entry(seq: 5_000) == nil)
        cache.add(seq: 5_001, story: "pending", vector: v)
        cache.discard()
        #expect(cache.entry(seq: 5_001) == nil)
        // A bulk transaction: pending entries stop at four times the capacity, the rest is read from the store.
        for s in 10_000..<Int64(10_000 + 5 * StoryVectorCache.capacity) { cache.add(seq: s, story: "bulk", vector: v) }
        #expect(cache.mark == 4 * StoryVectorCache.capacity)
        #expect(cache.entry(seq: 10_000)?.story == "bulk")
        #expect(cache.entry(seq: Int64(10_000 + 4 * StoryVectorCache.capacity)) == nil)
    }
}
