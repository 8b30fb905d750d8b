import Foundation
import Testing
@testable import NewswireCore

/// The story lookup's cache of posting lists (`StoryPostingCache`): inside a write transaction
/// `forEachStoryPosting` hands out exactly what `story_terms` holds, through savepoints and transactions rolled
/// back (their sequence numbers are reused), another process's commits, and a change of limit.
@Suite struct StoryPostingCacheTests {
    /// Registers an item whose story postings are `terms`.
    func register(_ id: String, _ terms: [Int64], in dedup: DedupIndex) throws {
        let terms = Array(Set(terms))
        let v = StoryClusterer.Vector(weights: Dictionary(uniqueKeysWithValues: terms.map { ($0, 1.0) }))
        try dedup.registerDedup(DedupEntry(itemID: id, root: id, story: id), vector: v.encoded,
                                keys: [], terms: terms, fetched: 1_753_500_000)
    }

    /// What the lookup gets, against what the table holds (the query `forEachStoryPosting` ran before the cache).
    func check(_ term: Int64, since: Int64, limit: Int, in dedup: DedupIndex, _ comment: Comment? = nil,
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        var got: [Int64] = []
        try dedup.forEachStoryPosting(term: term, sinceSeq: since, limit: limit) { got.append($0) }
        let want = try (dedup.storage as! ItemStore).db.query("SELECT seq FROM story_terms WHERE term = ? AND seq >= ? ORDER BY seq DESC LIMIT ?",
                                      [.integer(term), .integer(since), .integer(Int64(limit))]).map { $0[0].int ?? -1 }
        #expect(got == want, comment, sourceLocation: sourceLocation)
    }

    @Test func handsOutWhatTheTableHoldsThroughRollbacks() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        var rng = SplitMix64(seed: 21)
        var n = 0
        for round in 0..<30 {
            try store.beginBatch()
            for _ in 0..<12 {
                n += 1
                let terms = (0..<4).map { _ in Int64(rng.next() % 12) }
                let fail = rng.next() % 5 == 0
                for term in Set(terms) {  // lookups first, as the pipeline does: they fill the cache
                    try check(term, since: Int64(rng.next() % UInt64(n + 1)), limit: 6, in: dedup, "round \(round)")
                }
                do {
                    try store.savepoint {
                        try register("i\(n)", Array(Set(terms)), in: dedup)
                        for term in Set(terms) { try check(term, since: 0, limit: 6, in: dedup, "its own savepoint") }
                        if fail { throw StoreError(path: store.path, message: "poisoned entry") }
                    }
                } catch let e as StoreError where e.message == "poisoned entry" {}
            }
            if round % 7 == 6 { store.rollbackBatch() } else { try store.commitBatch() }
        }
        try store.beginBatch()
        for term in Int64(0)..<12 { try check(term, since: 0, limit: 6, in: dedup) }
        try store.commitBatch()
        #expect(try store.db.int("SELECT count(*) FROM dedup_items")! > 100, "the test registered items")
    }

    @Test func anotherWritersCommitIsSeenAtTheNextTransaction() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        try store.transaction { for i in 1...5 { try register("a\(i)", [7], in: dedup) } }
        try store.transaction { try check(7, since: 0, limit: 3, in: dedup) }  // cached now
        #expect(dedup.storyPostings.termCount == 1)

        let other = try ItemStore(stateDirectory: t.url)

        let otherDedup = DedupIndex(storage: other)
        try other.transaction { try register("b", [7], in: otherDedup) }

        var seen: [Int64] = []
        try store.transaction {
            try dedup.forEachStoryPosting(term: 7, sinceSeq: 0, limit: 3) { seen.append($0) }
        }
        #expect(seen.first == 6, "the other process's item is the newest: \(seen)")
        try store.transaction { try check(7, since: 0, limit: 3, in: dedup) }
    }

    @Test func aLimitOrAWindowOtherThanTheCachedOnesStillGetsTheQuerysAnswer() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        try store.transaction { for i in 1...20 { try register("a\(i)", [1, Int64(i % 3)], in: dedup) } }
        try store.transaction {
            for limit in [5, 5, 8, 3, 20, 5] {
                for since: Int64 in [0, 10, 17, 21] {
                    for term: Int64 in [0, 1, 2, 9] { try check(term, since: since, limit: limit, in: dedup) }
                }
            }
            try register("b", [1, 9], in: dedup)
            for term: Int64 in [0, 1, 2, 9] { try check(term, since: 0, limit: 5, in: dedup) }
        }
    }

    @Test func aRegistrationOutsideATransactionKeepsTheCachedListCurrent() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        try store.transaction { for i in 1...4 { try register("a\(i)", [3], in: dedup) } }
        try store.transaction { try check(3, since: 0, limit: 10, in: dedup) }
        #expect(dedup.storyPostings.termCount == 1, "cached")
        try register("b", [3], in: dedup)  // autocommit
        try check(3, since: 0, limit: 10, in: dedup, "read outside a transaction: the table")
        try store.transaction { try check(3, since: 0, limit: 10, in: dedup, "from the cache") }
    }

    @Test func staysWithinItsBounds() {
        var cache = StoryPostingCache()
        cache.begin(dataVersion: 1)
        for term in 0..<Int64(StoryPostingCache.maxTerms) { cache.remember(term: term, newestFirst: [term + 1], limit: 4) }
        #expect(cache.termCount == StoryPostingCache.maxTerms)
        cache.remember(term: -1, newestFirst: [1], limit: 4)
        #expect(cache.termCount == 1, "emptied past maxTerms, then the new list")
        let sixteen = Array((1...Int64(16)).reversed())
        for term in 0..<Int64(StoryPostingCache.maxPostings / 16) { cache.remember(term: term, newestFirst: sixteen, limit: 16) }
        #expect(cache.termCount == StoryPostingCache.maxPostings / 16, "a limit of 16 empties it once (limit 4 before)")
        cache.remember(term: -2, newestFirst: sixteen, limit: 16)
        #expect(cache.termCount == 1, "emptied past maxPostings")
        var seen: [Int64] = []
        #expect(cache.forEach(term: -2, sinceSeq: 9, limit: 16) { seen.append($0) })
        #expect(seen == Array((9...Int64(16)).reversed()))
        cache.added(seq: 17, terms: [-2, -3])
        seen = []
        #expect(cache.forEach(term: -2, sinceSeq: 0, limit: 16) { seen.append($0) })
        #expect(seen == Array((2...Int64(17)).reversed()), "the newest 16, the oldest one dropped")
        #expect(!cache.forEach(term: -3, sinceSeq: 0, limit: 16) { _ in }, "an uncached term stays uncached")
        cache.commit()
        #expect(!cache.forEach(term: -2, sinceSeq: 0, limit: 16) { _ in }, "not used outside a transaction")
    }
}
